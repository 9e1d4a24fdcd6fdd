package faulttest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sieproject/sie/internal/samplecatalog"
	"github.com/sieproject/sie/internal/workersim"
)

// FuzzWorkerApply feeds arbitrary deltas to a simulated worker's state
// (worker-protocol.md §2): it must never panic, a delta without a document
// must change nothing, and two workers fed the same delta must report the
// same hash (the apply is deterministic).
func FuzzWorkerApply(f *testing.F) {
	dir := f.TempDir()
	if err := samplecatalog.WriteTo(dir); err != nil {
		f.Fatal(err)
	}
	files, err := workersim.ReadModelsDir(filepath.Join(dir, "models"))
	if err != nil {
		f.Fatal(err)
	}
	adapters, err := workersim.ReadBundleAdapters(filepath.Join(dir, "bundles"), "default")
	if err != nil {
		f.Fatal(err)
	}
	startup := workersim.Startup{Bundle: "default", Adapters: adapters, Files: files}
	seed, _ := os.ReadFile(filepath.Join(dir, "models", "BAAI__bge-m3.yaml"))
	f.Add("BAAI/bge-m3", int64(1), string(seed))
	f.Add("hostile/lol", int64(7), string(billionLaughs()))
	f.Add("hostile/quad", int64(2), string(quadraticBomb("hostile/quad", 10, 10)))
	f.Add("x", int64(-1), "- a\n- b\n")
	f.Add("BAAI/bge-m3", int64(9), "sie_id: BAAI/bge-m3\nprofiles: {default: {extends: default}}\n")
	f.Add("", int64(0), "")
	f.Fuzz(func(t *testing.T, id string, epoch int64, config string) {
		a, err := workersim.NewState(startup)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := workersim.NewState(startup)
		before := a.Hash()
		d := workersim.Delta{ModelID: id, Epoch: epoch, ModelConfig: config}
		a.Apply(d)
		b.Apply(d)
		if a.Hash() != b.Hash() {
			t.Fatalf("same delta, different hashes: %s vs %s", a.Hash(), b.Hash())
		}
		if config == "" && a.Hash() != before {
			t.Fatal("a delta without a document changed the hash")
		}
	})
}
