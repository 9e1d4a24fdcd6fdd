package workersim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/yamldoc"
)

// syntheticExport is a /v1/configs/export body of n typical documents
// (three profiles, two extends children, options), as sie-config writes it.
func syntheticExport(b *testing.B, n int) []byte {
	var out bytes.Buffer
	fmt.Fprintf(&out, `{"snapshot_version":1,"epoch":%d,"generated_at":"2026-01-01T00:00:00+00:00","models":[`, n)
	for i := range n {
		id := fmt.Sprintf("org%03d/model-%05d", i%100, i)
		text := fmt.Sprintf(`sie_id: %s
hf_id: %s
tasks:
  encode:
    dense:
      dim: 768
profiles:
  default:
    adapter_path: sie_server.adapters.sentence_transformer:SentenceTransformerAdapter
    max_batch_tokens: 8192
    compute_precision: bfloat16
    adapter_options:
      loadtime:
        attn_implementation: sdpa
      runtime:
        pooling: mean
        normalize: true
  fast:
    extends: default
    max_batch_tokens: 1024
  query:
    extends: default
    adapter_options:
      runtime:
        instruction: 'Represent this query: '
`, id, id)
		d, err := yamldoc.Parse([]byte(text))
		if err != nil {
			b.Fatal(err)
		}
		if i > 0 {
			out.WriteByte(',')
		}
		raw, _ := json.Marshal(text)
		fmt.Fprintf(&out, `{"model_id":%q,"model_config":%s,"raw_yaml":%s,"affected_bundles":["default"]}`,
			id, canonjson.Ordered(d), raw)
	}
	out.WriteString("]}")
	return out.Bytes()
}

func benchWorker(b *testing.B) *Worker {
	state, err := NewState(Startup{Bundle: "default", Adapters: []string{"sie_server.adapters.sentence_transformer"}})
	if err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Bundle = "default"
	return newWorker("bench", &cfg, state, testkit.Discard())
}

// BenchmarkReconcile10k is a catching-up worker taking a 10,000-model
// export (docs/perf.md), against a floor measured in the same run: decoding
// the export and parsing each raw_yaml, the work no reconcile can skip.
//
//	go test -run '^$' -bench Reconcile10k -benchmem -count 3 ./internal/workersim/
func BenchmarkReconcile10k(b *testing.B) {
	const n = 10000
	body := syntheticExport(b, n)
	b.Logf("export: %d models, %.1f MB", n, float64(len(body))/1e6)
	b.Run("floor_decode_and_parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var top struct {
				Models []wireExportEntry `json:"models"`
			}
			if err := json.Unmarshal(body, &top); err != nil {
				b.Fatal(err)
			}
			for _, e := range top.Models {
				if _, err := yamldoc.Parse([]byte(*e.RawYAML)); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("reconcile_first", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w := benchWorker(b)
			epoch, entries, err := decodeExport(bytes.NewReader(body), "default")
			if err != nil {
				b.Fatal(err)
			}
			w.reconcile(epoch, entries, "bench")
			if len(w.state.IDs()) != n || w.Hash() == "" {
				b.Fatal("not reconciled")
			}
		}
	})
	// A later reconcile (a poll saw another epoch): the documents that did
	// not change are not parsed again.
	b.Run("reconcile_again", func(b *testing.B) {
		w := benchWorker(b)
		epoch, entries, _ := decodeExport(bytes.NewReader(body), "default")
		w.reconcile(epoch, entries, "bench")
		cache := newExportCache(entries)
		b.ReportAllocs()
		for b.Loop() {
			epoch, entries, err := decodeExportCached(bytes.NewReader(body), "default", cache)
			if err != nil {
				b.Fatal(err)
			}
			w.reconcile(epoch+1, entries, "bench")
		}
	})
}
