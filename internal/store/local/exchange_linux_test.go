package local_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/sieproject/sie/internal/store/local"
)

// On Linux an epoch write swaps the spare slot in (the old epoch becomes
// the slot): no inode is created or freed, and the content is exact.
func TestEpochWriteSwapsTheSlotIn(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	s, err := local.Open(base, local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteEpoch(ctx, 1); err != nil { // no epoch yet: the usual way
		t.Fatal(err)
	}
	stat := func(name string) os.FileInfo {
		t.Helper()
		fi, err := os.Stat(filepath.Join(base, name))
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	for e := int64(2); e <= 12; e++ {
		slot, epoch := stat(".epoch.slot"), stat("epoch")
		if err := s.WriteEpoch(ctx, e); err != nil {
			t.Fatal(err)
		}
		if !os.SameFile(stat("epoch"), slot) || !os.SameFile(stat(".epoch.slot"), epoch) {
			t.Fatalf("epoch %d: the slot and the epoch were not swapped", e)
		}
		if got := readFile(t, filepath.Join(base, "epoch")); got != strconv.FormatInt(e, 10) {
			t.Fatalf("epoch = %q, want %d", got, e)
		}
	}
	if err := s.WriteEpoch(ctx, 3); err != nil { // shorter again (a rollback)
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(base, "epoch")); got != "3" {
		t.Fatalf("epoch = %q", got)
	}
	// Another instance's write is still a conflict, and a re-read clears it.
	other, err := local.Open(base, local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.WriteEpoch(ctx, 4); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteEpoch(ctx, 5); err == nil {
		t.Fatal("a write over another instance's epoch succeeded")
	}
	if n, err := s.ReadEpoch(ctx); err != nil || n != 4 {
		t.Fatalf("ReadEpoch %d %v", n, err)
	}
	if err := s.WriteEpoch(ctx, 5); err != nil {
		t.Fatal(err)
	}
}
