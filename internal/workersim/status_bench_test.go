package workersim

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

// BenchmarkStatusFrame is one status frame of a default-bundle worker over
// the shipped catalog (100 models); the models array is cached between
// registry changes. Reproduce with:
//
//	go test -run '^$' -bench StatusFrame -benchmem ./internal/workersim/
func BenchmarkStatusFrame(b *testing.B) {
	dir := testkit.SharedDir(b, "testdata/catalog")
	files, err := ReadModelsDir(filepath.Join(dir, "models"))
	if err != nil {
		b.Fatal(err)
	}
	adapters, err := ReadBundleAdapters(filepath.Join(dir, "bundles"), "default")
	if err != nil {
		b.Fatal(err)
	}
	state, err := NewState(Startup{Bundle: "default", Adapters: adapters, Files: files})
	if err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Bundle = "default"
	w := newWorker("sim-default-0", &cfg, state, testkit.Discard())
	defer w.queue.close()
	var n int
	for b.Loop() {
		n = len(w.statusFrame(time.Now()))
	}
	b.ReportMetric(float64(n), "frame-bytes")
}
