package journal

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/store"
)

// A 1 KiB document, a typical model.
var benchDoc = append([]byte("sie_id: org/model\nprofiles:\n"), bytes.Repeat([]byte("  p: {adapter_path: a:B, max_batch_tokens: 8192}\n"), 20)...)

// BenchmarkAppend is one history append (encode, write, fsync, index);
// compare it with BenchmarkFloorAppendFsync, the same bytes appended and
// fsynced with nothing else.
func BenchmarkAppend(b *testing.B) {
	j, err := Open(filepath.Join(b.TempDir(), FileName), nil)
	if err != nil {
		b.Fatal(err)
	}
	e := store.HistoryEntry{ModelID: "org/model", Op: store.OpReplace, At: time.Now(), TokenID: "0123456789ab", RawYAML: benchDoc}
	b.SetBytes(int64(len(benchDoc)))
	for b.Loop() {
		e.Epoch++
		if err := j.Append(context.Background(), e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFloorAppendFsync(b *testing.B) {
	path := filepath.Join(b.TempDir(), FileName)
	line, _ := AppendRecord(nil, store.HistoryEntry{Epoch: 1, ModelID: "org/model", Op: store.OpReplace, At: time.Now(), TokenID: "0123456789ab", RawYAML: benchDoc})
	b.SetBytes(int64(len(benchDoc)))
	for b.Loop() {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Write(line); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHistoryRead reads the newest 100 of 1,000 entries of one model
// in a journal of 10,000 records.
func BenchmarkHistoryRead(b *testing.B) {
	j, err := Open(filepath.Join(b.TempDir(), FileName), nil)
	if err != nil {
		b.Fatal(err)
	}
	var batch []store.HistoryEntry
	for e := int64(1); e <= 10000; e++ {
		id := "org/other"
		if e%10 == 0 {
			id = "org/model"
		}
		batch = append(batch, store.HistoryEntry{Epoch: e, ModelID: id, Op: store.OpReplace, At: time.Now(), RawYAML: benchDoc})
		if len(batch) == 500 {
			if err := j.Append(context.Background(), batch...); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	for b.Loop() {
		es, err := j.History(context.Background(), "org/model", 100)
		if err != nil || len(es) != 100 {
			b.Fatal(len(es), err)
		}
	}
}
