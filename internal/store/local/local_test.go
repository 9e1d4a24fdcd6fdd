package local_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/store/local"
	"github.com/sieproject/sie/internal/testkit"
)

var ctx = context.Background()

func open(t *testing.T, base string, opts local.Options) *local.Store {
	t.Helper()
	s, err := local.Open(base, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// dirNames lists every entry of dir, dot-files and temp files included.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func expectNames(t *testing.T, dir string, want ...string) {
	t.Helper()
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Fatalf("%s holds %q, want %q", dir, got, want)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestOpenCreatesModelsDir(t *testing.T) {
	base := filepath.Join(t.TempDir(), "a", "b")
	s := open(t, base, local.Options{})
	fi, err := os.Stat(filepath.Join(base, "models"))
	if err != nil || !fi.IsDir() {
		t.Fatalf("models dir: %v, %v", fi, err)
	}
	if got := s.Describe(); got != "local:"+base {
		t.Fatalf("Describe = %q", got)
	}
}

func TestOpenFailsOnAFile(t *testing.T) {
	base := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(base, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := local.Open(base, local.Options{}); err == nil {
		t.Fatal("Open on a regular file succeeded")
	}
}

func TestOpenRemovesStaleTemps(t *testing.T) {
	base := t.TempDir()
	models := filepath.Join(base, "models")
	for _, p := range []string{
		filepath.Join(base, ".epoch.k2j3.tmp"),
		filepath.Join(base, "keep.tmp"),
		filepath.Join(models, ".a.yaml.x9.tmp"),
		filepath.Join(models, ".hidden.yaml"),
		filepath.Join(models, "a.yaml"),
	} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A directory that happens to match is not ours to remove.
	if err := os.Mkdir(filepath.Join(models, ".dir.tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	var rec testkit.Logs
	open(t, base, local.Options{Logger: rec.LoggerAt(slog.LevelDebug)})
	expectNames(t, base, ".epoch.slot", "keep.tmp", "models")
	expectNames(t, models, ".dir.tmp", ".hidden.yaml", "a.yaml")
	if n := rec.Count(slog.LevelInfo); n != 2 {
		t.Fatalf("%d log records, want one per removed file (2)", n)
	}
}

func TestWriteModelIsAtomicAndPrivate(t *testing.T) {
	base := t.TempDir()
	s := open(t, base, local.Options{})
	for i := range 3 {
		if err := s.WriteModel(ctx, "org/m", fmt.Appendf(nil, "v%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.WriteEpoch(ctx, 1); err != nil {
		t.Fatal(err)
	}
	expectNames(t, base, ".epoch.slot", "epoch", "models")
	expectNames(t, filepath.Join(base, "models"), "org__m.yaml")
	for _, p := range []string{filepath.Join(base, "epoch"), filepath.Join(base, "models", "org__m.yaml")} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s has mode %v, want 0600", p, fi.Mode().Perm())
		}
	}
	if got := readFile(t, filepath.Join(base, "models", "org__m.yaml")); got != "v2" {
		t.Fatalf("content %q", got)
	}
}

// failOn fails the first matching operation with errBoom, then succeeds.
type failOn struct {
	mu       sync.Mutex
	op, name string
	calls    []string
	armed    bool
}

var errBoom = errors.New("boom")

func (f *failOn) hook(op, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, op+" "+name)
	if f.armed && op == f.op && name == f.name {
		f.armed = false
		return errBoom
	}
	return nil
}

func TestInjectedModelWriteFailureLeavesNothing(t *testing.T) {
	base := t.TempDir()
	f := &failOn{op: local.OpModel, name: "org__m.yaml"}
	s := open(t, base, local.Options{FailWrites: f.hook})
	if err := s.WriteModel(ctx, "org/m", []byte("old")); err != nil {
		t.Fatal(err)
	}
	f.armed = true
	err := s.WriteModel(ctx, "org/m", []byte("new"))
	if !errors.Is(err, errBoom) {
		t.Fatalf("err = %v, want the injected error", err)
	}
	expectNames(t, filepath.Join(base, "models"), "org__m.yaml")
	if got := readFile(t, filepath.Join(base, "models", "org__m.yaml")); got != "old" {
		t.Fatalf("target changed to %q", got)
	}
	// The first write to a new id leaves no file at all.
	f.name, f.armed = "org__n.yaml", true
	if err := s.WriteModel(ctx, "org/n", []byte("x")); !errors.Is(err, errBoom) {
		t.Fatalf("err = %v", err)
	}
	expectNames(t, filepath.Join(base, "models"), "org__m.yaml")
}

func TestInjectedEpochFailureKeepsEpochAndBaseline(t *testing.T) {
	base := t.TempDir()
	f := &failOn{op: local.OpEpoch, name: "epoch"}
	s := open(t, base, local.Options{FailWrites: f.hook})
	if _, err := s.ReadEpoch(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteEpoch(ctx, 1); err != nil {
		t.Fatal(err)
	}
	f.armed = true
	if err := s.WriteEpoch(ctx, 2); !errors.Is(err, errBoom) || errors.Is(err, store.ErrEpochConflict) {
		t.Fatalf("err = %v, want the injected error only", err)
	}
	expectNames(t, base, ".epoch.slot", "epoch", "models")
	if got := readFile(t, filepath.Join(base, "epoch")); got != "1" {
		t.Fatalf("epoch = %q", got)
	}
	// A failed write is not a conflict: the next attempt goes through.
	if err := s.WriteEpoch(ctx, 2); err != nil {
		t.Fatal(err)
	}
}

func TestInjectedDeleteFailureKeepsFile(t *testing.T) {
	base := t.TempDir()
	f := &failOn{op: local.OpDelete, name: "org__m.yaml"}
	s := open(t, base, local.Options{FailWrites: f.hook})
	if err := s.WriteModel(ctx, "org/m", []byte("x")); err != nil {
		t.Fatal(err)
	}
	f.armed = true
	if err := s.DeleteModel(ctx, "org/m"); !errors.Is(err, errBoom) {
		t.Fatalf("err = %v", err)
	}
	expectNames(t, filepath.Join(base, "models"), "org__m.yaml")
	if err := s.DeleteModel(ctx, "org/m"); err != nil {
		t.Fatal(err)
	}
	expectNames(t, filepath.Join(base, "models"))
	want := []string{"model org__m.yaml", "delete org__m.yaml", "delete org__m.yaml"}
	if !slices.Equal(f.calls, want) {
		t.Fatalf("hook calls %q, want %q", f.calls, want)
	}
}

func TestReadErrorsAreNotMissing(t *testing.T) {
	base := t.TempDir()
	s := open(t, base, local.Options{})
	// An epoch that cannot be read as a file is an error, never 0.
	if err := os.Mkdir(filepath.Join(base, "epoch"), 0o755); err != nil {
		t.Fatal(err)
	}
	if e, err := s.ReadEpoch(ctx); err == nil {
		t.Fatalf("ReadEpoch on a directory = %d, nil", e)
	}
	if err := s.WriteEpoch(ctx, 1); err == nil {
		t.Fatal("WriteEpoch over a directory succeeded")
	}

	// models replaced by a file: every model operation fails loudly.
	models := filepath.Join(base, "models")
	if err := os.RemoveAll(models); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(models, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ListModelFiles(ctx); err == nil {
		t.Fatal("ListModelFiles succeeded")
	}
	if _, err := s.ReadModelFile(ctx, "a.yaml"); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ReadModelFile: err = %v, want a non-missing error", err)
	}
	if err := s.WriteModel(ctx, "a", []byte("x")); err == nil {
		t.Fatal("WriteModel succeeded")
	}
	if err := s.DeleteModel(ctx, "a"); err == nil {
		t.Fatal("DeleteModel succeeded")
	}
	if err := s.Ping(ctx); err == nil {
		t.Fatal("Ping succeeded")
	}
}

func TestWriteRecreatesModelsDir(t *testing.T) {
	base := t.TempDir()
	s := open(t, base, local.Options{})
	if err := os.RemoveAll(filepath.Join(base, "models")); err != nil {
		t.Fatal(err)
	}
	// §8.3 step 1: parent directories are created by the write itself.
	if err := s.WriteModel(ctx, "m", []byte("x")); err != nil {
		t.Fatal(err)
	}
	expectNames(t, filepath.Join(base, "models"), "m.yaml")
}

func TestConcurrentModelWrites(t *testing.T) {
	base := t.TempDir()
	s := open(t, base, local.Options{})
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			// Half share one id, so renames race on the same target.
			id := fmt.Sprintf("org/m%d", i%8)
			if err := s.WriteModel(ctx, id, fmt.Appendf(nil, "w%d", i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	names, err := s.ListModelFiles(ctx)
	if err != nil || len(names) != 8 {
		t.Fatalf("ListModelFiles = %q, %v", names, err)
	}
	if got := len(dirNames(t, filepath.Join(base, "models"))); got != 8 {
		t.Fatalf("%d entries in models/, want 8 (no temp files left)", got)
	}
}

func TestCanceledContext(t *testing.T) {
	s := open(t, t.TempDir(), local.Options{})
	c, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.WriteModel(c, "m", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}
