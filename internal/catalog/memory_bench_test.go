package catalog

import (
	"fmt"
	"runtime"
	"strconv"
	"testing"

	"github.com/sieproject/sie/internal/yamldoc"
)

// memoryDoc is a stored API document of the size users store (the load
// tool's restore documents).
func memoryDoc(id string) string {
	return "sie_id: " + id + "\nhf_id: " + id + "\ntasks:\n  encode:\n    dense:\n      dim: 768\nprofiles:\n  default:\n    adapter_path: mod.a:BertFlashAdapter\n    max_batch_tokens: 8192\n"
}

// liveHeap is the live heap after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// restoredSnapshot builds a registry of n API documents the way a restore
// does (parse, APIModel, one WithModels, Settled) and returns it with the
// bytes of document text it holds.
func restoredSnapshot(tb testing.TB, n int) (*Snapshot, int) {
	base := NewSnapshot(testBundles(), nil, nil)
	models := make([]*Model, n)
	text := 0
	for i := range models {
		id := fmt.Sprintf("s%03d/stored-%07d", i%1000, i)
		src := memoryDoc(id)
		d, err := yamldoc.Parse([]byte(src))
		if err != nil {
			tb.Fatal(err)
		}
		models[i] = base.APIModel(id, d, src)
		text += len(src)
	}
	return base.WithModels(models).Settled(), text
}

// BenchmarkSnapshotMemory reports the live heap a restored registry holds
// per model (B/model) against the floor of its document text (text-B/model):
// the goal is at most 1 KB per model over the text.
//
//	go test -run '^$' -bench BenchmarkSnapshotMemory -benchtime 1x -count 3 ./internal/catalog/
func BenchmarkSnapshotMemory(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				before := liveHeap()
				snap, text := restoredSnapshot(b, n)
				after := liveHeap()
				runtime.KeepAlive(snap)
				b.ReportMetric(float64(after-before)/float64(n), "B/model")
				b.ReportMetric(float64(text)/float64(n), "text-B/model")
				b.ReportMetric(float64(after-before-uint64(text))/float64(n), "over-text-B/model")
			}
		})
	}
}

// BenchmarkModelEffective is the cost of rebuilding a model's document
// from its packed form (each Effective call: a write's merge, the export),
// next to parsing its text, which it replaces.
func BenchmarkModelEffective(b *testing.B) {
	id := "s000/stored-0000000"
	src := memoryDoc(id)
	d, err := yamldoc.Parse([]byte(src))
	if err != nil {
		b.Fatal(err)
	}
	m := NewSnapshot(testBundles(), nil, nil).APIModel(id, d, src)
	b.Run("unpack", func(b *testing.B) {
		for b.Loop() {
			_ = m.Effective()
		}
	})
	b.Run("parse", func(b *testing.B) {
		for b.Loop() {
			_, _ = yamldoc.Parse([]byte(src))
		}
	})
}
