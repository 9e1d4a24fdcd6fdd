package local_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/sieproject/sie/internal/store/local"
)

// benchDoc is a typical API document size (a few profiles).
var benchDoc = bytes.Repeat([]byte("profiles:\n  p: {max_batch_tokens: 8192}\n"), 32)

func BenchmarkLocalWriteModel(b *testing.B) {
	s, err := local.Open(b.TempDir(), local.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(benchDoc)))
	for b.Loop() {
		if err := s.WriteModel(ctx, "org/model", benchDoc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFloorFsyncRename is the least any durable replace can cost: temp
// write, fsync, rename, directory fsync, with no checks or bookkeeping.
func BenchmarkFloorFsyncRename(b *testing.B) {
	dir := b.TempDir()
	target := filepath.Join(dir, "org__model.yaml")
	b.SetBytes(int64(len(benchDoc)))
	i := 0
	for b.Loop() {
		i++
		tmp := filepath.Join(dir, ".org__model.yaml."+strconv.Itoa(i)+".tmp")
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Write(benchDoc); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(tmp, target); err != nil {
			b.Fatal(err)
		}
		d, err := os.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		if err := d.Sync(); err != nil {
			b.Fatal(err)
		}
		d.Close()
	}
}
