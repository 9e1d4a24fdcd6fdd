package gateway

import (
	"bytes"
	"fmt"
	"runtime"
	"strconv"
	"testing"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/yamldoc"
)

// benchExport is an export of n models as sie-config writes it, with the
// bytes of document text it carries.
func benchExport(tb testing.TB, n int) ([]byte, int) {
	var b bytes.Buffer
	b.WriteString(`{"snapshot_version":1,"epoch":1,"models":[`)
	text := 0
	for i := range n {
		id := fmt.Sprintf("s%03d/stored-%07d", i%1000, i)
		src := "sie_id: " + id + "\nhf_id: " + id + "\ntasks:\n  encode:\n    dense:\n      dim: 768\nprofiles:\n  default:\n    adapter_path: mod.a:BertFlashAdapter\n    max_batch_tokens: 8192\n"
		d, err := yamldoc.Parse([]byte(src))
		if err != nil {
			tb.Fatal(err)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(exportEntry(id, src, d))
		text += len(src)
	}
	b.WriteString("]}")
	return b.Bytes(), text
}

// bootstrapState reads an export into a mirror state the way a resync does.
func bootstrapState(tb testing.TB, body []byte) *State {
	bs := catalog.NewBundleSet([]*catalog.Bundle{{Name: "default", Priority: 10, Adapters: []string{"mod.a"}}})
	epoch, models, skipped, err := decodeExportAs(bytes.NewReader(body), func(d Document) (*Model, error) { return modelFromDocument(d, bs) })
	if err != nil || len(skipped) > 0 {
		tb.Fatal(err, skipped)
	}
	return newBuiltState(bs, models, epoch, "")
}

// BenchmarkMirrorMemory reports the live heap a bootstrapped mirror holds
// per model (B/model) against the floor of the document text it mirrors
// (text-B/model; the mirror does not keep the text itself): the goal is at
// most 1 KB per model over the text. ns/op is the in-process bootstrap
// (read, decode, build, index) of the export.
//
//	go test -run '^$' -bench BenchmarkMirrorMemory -benchtime 1x -count 3 ./internal/gateway/
func BenchmarkMirrorMemory(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			body, text := benchExport(b, n)
			for b.Loop() {
				before := liveHeap()
				st := bootstrapState(b, body)
				after := liveHeap()
				runtime.KeepAlive(st)
				if st.Len() != n {
					b.Fatalf("%d models", st.Len())
				}
				b.ReportMetric(float64(after-before)/float64(n), "B/model")
				b.ReportMetric(float64(text)/float64(n), "text-B/model")
			}
		})
	}
}

// liveHeap is the live heap after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
