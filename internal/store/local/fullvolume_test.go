package local_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/sieproject/sie/internal/store/local"
)

// smallVolume mounts a 256 KiB tmpfs for the test, or skips when this
// machine cannot mount (not root, no CAP_SYS_ADMIN).
func smallVolume(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	return dir
}

// fill writes until the volume refuses more.
func fill(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 4096)
	for {
		if _, err := f.Write(block); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

// On a full volume a new document cannot be written, but the epoch can
// (through the spare slot) and a delete needs no new block: the store can
// be repaired by deleting.
func TestFullVolumeStillDeletes(t *testing.T) {
	ctx := context.Background()
	base := filepath.Join(smallVolume(t), "store")
	s, err := local.Open(base, local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadEpoch(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := s.WriteModel(ctx, fmt.Sprintf("org/m%d", i), make([]byte, 10000)); err != nil {
			t.Fatal(err)
		}
		if err := s.WriteEpoch(ctx, int64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	fill(t, filepath.Dir(base))
	if err := s.WriteModel(ctx, "org/new", make([]byte, 10000)); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("a write on a full volume: %v", err)
	}
	for i := range 3 {
		// The epoch write of a DELETE, then the delete itself.
		if err := s.WriteEpoch(ctx, int64(4+i)); err != nil {
			t.Fatalf("epoch write %d on a full volume: %v", 4+i, err)
		}
		if err := s.DeleteModel(ctx, fmt.Sprintf("org/m%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if got := readFile(t, filepath.Join(base, "epoch")); got != "6" {
		t.Fatalf("epoch = %q", got)
	}
	if e, err := local.Open(base, local.Options{}); err != nil {
		t.Fatal(err)
	} else if n, err := e.ReadEpoch(ctx); err != nil || n != 6 {
		t.Fatalf("reopened epoch %d %v", n, err)
	}
}

// Without a real small volume: an ENOSPC at the usual epoch write falls
// back to the slot.
func TestNoSpaceFallsBackToTheSlot(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	full := false
	s, err := local.Open(base, local.Options{FailWrites: func(op, _ string) error {
		if full && op == local.OpEpoch {
			return syscall.ENOSPC
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteEpoch(ctx, 1); err != nil {
		t.Fatal(err)
	}
	full = true
	for e := int64(2); e <= 12; e++ { // "12" is longer than the previous text
		if err := s.WriteEpoch(ctx, e); err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, filepath.Join(base, "epoch")); got != fmt.Sprint(e) {
			t.Fatalf("epoch = %q, want %d", got, e)
		}
	}
	if err := s.WriteEpoch(ctx, 3); err != nil { // shorter again (a rollback)
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(base, "epoch")); got != "3" {
		t.Fatalf("epoch = %q", got)
	}
	if st, err := os.Stat(filepath.Join(base, ".epoch.slot")); err != nil || st.Size() != 64 {
		t.Fatalf("the slot is not replaced: %v", err)
	}
}
