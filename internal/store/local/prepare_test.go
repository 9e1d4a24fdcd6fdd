package local_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sieproject/sie/internal/store/local"
)

func TestPrepareCommit(t *testing.T) {
	base := t.TempDir()
	models := filepath.Join(base, "models")
	s := open(t, base, local.Options{})
	if err := s.WriteModel(ctx, "org/m", []byte("old")); err != nil {
		t.Fatal(err)
	}
	w, err := s.PrepareModel(ctx, "org/m", []byte("new"))
	if err != nil {
		t.Fatal(err)
	}
	// Staged but invisible: the target is unchanged and listings skip the
	// temp file.
	if got := readFile(t, filepath.Join(models, "org__m.yaml")); got != "old" {
		t.Fatalf("target changed before Commit: %q", got)
	}
	if names, err := s.ListModelFiles(ctx); err != nil || len(names) != 1 {
		t.Fatalf("ListModelFiles = %q, %v", names, err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	w.Abort() // no-op after Commit
	expectNames(t, models, "org__m.yaml")
	if got := readFile(t, filepath.Join(models, "org__m.yaml")); got != "new" {
		t.Fatalf("content %q", got)
	}
	fi, err := os.Stat(filepath.Join(models, "org__m.yaml"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", fi.Mode().Perm(), err)
	}
}

func TestPrepareAbort(t *testing.T) {
	base := t.TempDir()
	s := open(t, base, local.Options{})
	w, err := s.PrepareModel(ctx, "org/m", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	w.Abort()
	w.Abort()
	expectNames(t, filepath.Join(base, "models"))
}

func TestPrepareCommitInjectedFailure(t *testing.T) {
	base := t.TempDir()
	f := &failOn{op: local.OpModel, name: "org__m.yaml", armed: true}
	s := open(t, base, local.Options{FailWrites: f.hook})
	w, err := s.PrepareModel(ctx, "org/m", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); !errors.Is(err, errBoom) {
		t.Fatalf("Commit: err = %v, want the injected error", err)
	}
	expectNames(t, filepath.Join(base, "models"))
}
