package workersim

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/listhash"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/workerview"
)

// Benchmarks for the worker-side hash (docs/perf.md). Reproduce with:
//   go test -run '^$' -bench 'Worker' -benchmem ./internal/workersim/

func catalogWorkerFiles(b *testing.B) []ModelFile {
	dir := testkit.SharedDir(b, "testdata/catalog")
	files, err := ReadModelsDir(filepath.Join(dir, "models"))
	if err != nil {
		b.Fatal(err)
	}
	return files
}

// syntheticModel is a typical model document: three profiles, two of them
// extends children, with runtime and loadtime options.
func syntheticModel(i int, maxBatch int64) *doc.Map {
	id := fmt.Sprintf("org%03d/model-%05d", i%100, i)
	opts := func(kv ...any) *doc.Map {
		m := doc.NewMap()
		for j := 0; j < len(kv); j += 2 {
			m.Set(kv[j].(string), kv[j+1])
		}
		return m
	}
	return doc.NewMap(
		doc.Entry{Key: "sie_id", Value: id},
		doc.Entry{Key: "hf_id", Value: id},
		doc.Entry{Key: "tasks", Value: opts("encode", opts("dense", opts("dim", int64(768))))},
		doc.Entry{Key: "profiles", Value: opts(
			"default", opts(
				"adapter_path", "sie_server.adapters.sentence_transformer:SentenceTransformerAdapter",
				"max_batch_tokens", maxBatch,
				"compute_precision", "bfloat16",
				"adapter_options", opts("loadtime", opts("attn_implementation", "sdpa"), "runtime", opts("pooling", "mean", "normalize", true)),
			),
			"fast", opts("extends", "default", "max_batch_tokens", int64(1024)),
			"query", opts("extends", "default", "adapter_options", opts("runtime", opts("instruction", "Represent this query: ", "temperature", 0.05))),
		)},
	)
}

func syntheticWorker(b *testing.B, n int) *State {
	files := make([]ModelFile, n)
	for i := range files {
		files[i] = ModelFile{Name: fmt.Sprintf("m%05d.yaml", i), Doc: syntheticModel(i, 8192)}
	}
	w, err := NewState(Startup{Bundle: "default", Adapters: []string{"sie_server.adapters.sentence_transformer"}, Files: files})
	if err != nil {
		b.Fatal(err)
	}
	return w
}

// fullWorkerHash is the from-scratch cost: strict schema, serialization of
// every model and the digest.
func fullWorkerHash(docs []*doc.Map) string {
	models := make([]*workerview.Model, 0, len(docs))
	for _, d := range docs {
		m, _ := workerview.Parse(d)
		models = append(models, m)
	}
	return workerview.BundleHash(models)
}

func BenchmarkWorkerHashCatalogFull(b *testing.B) {
	files := catalogWorkerFiles(b)
	var docs []*doc.Map
	for _, f := range files {
		docs = append(docs, f.Doc)
	}
	b.ReportMetric(float64(len(docs)), "models")
	for b.Loop() {
		fullWorkerHash(docs)
	}
}

// BenchmarkWorkerHashCatalogCached is the digest alone over cached entries
// (the whole text, no saved state used).
func BenchmarkWorkerHashCatalogCached(b *testing.B) {
	w, err := NewState(Startup{Bundle: "default", Adapters: nil, Files: catalogWorkerFiles(b)})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		listhash.Digest(w.entries.Entries())
	}
	b.ReportMetric(float64(len(w.entries.Text())), "text-bytes")
}

// BenchmarkWorkerRehash10kFromScratch is the digest alone over the cached
// entries of 10,000 models, from the first byte.
func BenchmarkWorkerRehash10kFromScratch(b *testing.B) {
	w := syntheticWorker(b, 10000)
	for b.Loop() {
		listhash.Digest(w.entries.Entries())
	}
	b.ReportMetric(float64(len(w.entries.Text())), "text-bytes")
}

func BenchmarkWorkerHashSynthetic10kFull(b *testing.B) {
	docs := make([]*doc.Map, 10000)
	for i := range docs {
		docs[i] = syntheticModel(i, 8192)
	}
	for b.Loop() {
		fullWorkerHash(docs)
	}
}

// BenchmarkWorkerRecomputeOneModel10k is the cost after one model of a
// 10,000-model bundle changes: strict schema and serialization of that model
// only, then the digest over the cached entries.
// The digest resumes from the saved state just before the changed entry, so
// the cost depends on where the model sits in id order: first (worst case),
// middle, last (best case).
func BenchmarkWorkerRecomputeOneModel10k(b *testing.B) {
	w := syntheticWorker(b, 10000)
	w.Hash()
	ids := w.IDs()
	for _, pos := range []struct {
		name string
		idx  int
	}{{"first", 0}, {"middle", len(ids) / 2}, {"last", len(ids) - 1}} {
		b.Run(pos.name, func(b *testing.B) {
			var n int
			fmt.Sscanf(ids[pos.idx][len(ids[pos.idx])-5:], "%d", &n)
			variants := [2]*doc.Map{syntheticModel(n, 4096), syntheticModel(n, 2048)}
			i := 0
			for b.Loop() {
				w.hold(workerview.Held(variants[i%2], ""))
				w.Hash()
				i++
			}
		})
	}
}

// BenchmarkWorkerRecomputeOneModel10kSerializeOnly isolates the per-model
// part (schema + serialization), i.e. what is proportional to the change.
func BenchmarkWorkerRecomputeOneModel10kSerializeOnly(b *testing.B) {
	d := syntheticModel(4242, 4096)
	for b.Loop() {
		workerview.Entry(workerview.Held(d, ""))
	}
}

// BenchmarkWorkerApplyDelta10k includes the delta's YAML parse, as the
// simulator's apply path does.
func BenchmarkWorkerApplyDelta10k(b *testing.B) {
	w := syntheticWorker(b, 10000)
	w.Hash()
	text := "sie_id: org042/model-04242\nhf_id: org042/model-04242\ntasks: {encode: {dense: {dim: 768}}}\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.sentence_transformer:SentenceTransformerAdapter\n    max_batch_tokens: %d\n    compute_precision: bfloat16\n    adapter_options:\n      loadtime: {attn_implementation: sdpa}\n      runtime: {pooling: mean, normalize: true}\n"
	texts := [2]string{fmt.Sprintf(text, 4096), fmt.Sprintf(text, 2048)}
	epoch := int64(0)
	for b.Loop() {
		epoch++
		w.Apply(Delta{ModelID: "org042/model-04242", Epoch: epoch, ModelConfig: texts[epoch%2]})
		w.Hash()
	}
}
