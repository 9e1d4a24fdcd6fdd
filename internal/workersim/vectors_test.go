package workersim

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/workerview"
)

type workerDelta struct {
	ModelID     string `json:"model_id"`
	Epoch       int64  `json:"epoch"`
	ModelConfig string `json:"model_config"`
}

type workerCase struct {
	ID                string            `json:"id"`
	Bundles           map[string]string `json:"bundles"`
	CatalogDir        string            `json:"catalog_dir"`
	StartupModels     map[string]string `json:"startup_models"`
	Deltas            []workerDelta     `json:"deltas"`
	GatewayApplicable bool              `json:"gateway_applicable"`
	NoBundleFlag      bool              `json:"no_bundle_flag"`
	Worker            map[string]struct {
		SHA256          string   `json:"sha256"`
		Entries         []string `json:"entries"`
		EntriesCount    int      `json:"entries_count"`
		Canonical       *string  `json:"canonical"`
		GatewayExpected *string  `json:"gateway_expected_sha256"`
	} `json:"worker"`
}

func loadWorkerCases(t testing.TB) []workerCase {
	var file struct {
		Cases []workerCase `json:"cases"`
	}
	testkit.LoadVector(t, "worker_bundle_hash.json", &file)
	if len(file.Cases) != 24 {
		t.Fatalf("got %d cases, want 24", len(file.Cases))
	}
	return file.Cases
}

// dirs materialises the case as a worker's bundles and models directories:
// inline files go to a temporary directory, catalog cases use the catalog.
func (c *workerCase) dirs(t testing.TB) (bundlesDir, modelsDir string) {
	t.Helper()
	if c.CatalogDir != "" {
		dir := testkit.SharedDir(t, c.CatalogDir)
		return filepath.Join(dir, "bundles"), filepath.Join(dir, "models")
	}
	root := t.TempDir()
	write := func(sub string, files map[string]string) string {
		dir := filepath.Join(root, sub)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, text := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	return write("bundles", c.Bundles), write("models", c.StartupModels)
}

// startWorker starts a worker for bundle over the case's directories the way
// `serve --bundle` does (or without --bundle for w24).
func startWorker(t testing.TB, c *workerCase, bundle, bundlesDir, modelsDir string) *State {
	t.Helper()
	files, err := ReadModelsDir(modelsDir)
	if err != nil {
		t.Fatal(err)
	}
	s := Startup{Files: files}
	if !c.NoBundleFlag {
		s.Bundle = bundle
		if s.Adapters, err = ReadBundleAdapters(bundlesDir, bundle); err != nil {
			t.Fatal(err)
		}
	}
	w, err := NewState(s)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// mapsTo reports whether sie-config would publish the document to a bundle
// with these adapters (its module set meets them).
func mapsTo(d *doc.Map, adapters []string) bool {
	for _, m := range catalog.ModuleSet(d) {
		if slices.Contains(adapters, m) {
			return true
		}
	}
	return false
}

func TestWorkerBundleHashVectors(t *testing.T) {
	for _, c := range loadWorkerCases(t) {
		t.Run(c.ID, func(t *testing.T) {
			bundlesDir, modelsDir := c.dirs(t)
			for bundle, want := range c.Worker {
				w := startWorker(t, &c, bundle, bundlesDir, modelsDir)
				adapters, _ := ReadBundleAdapters(bundlesDir, bundle)
				for _, d := range c.Deltas {
					if !mapsTo(mustParse(t, d.ModelConfig), adapters) {
						continue
					}
					//lint:ignore S1016 the vector's delta and Delta only happen to have the same fields
					w.Apply(Delta{ModelID: d.ModelID, Epoch: d.Epoch, ModelConfig: d.ModelConfig})
				}
				if want.Canonical != nil {
					if got := w.entries.Text(); got != *want.Canonical {
						t.Errorf("%s canonical:\n got %s\nwant %s", bundle, got, *want.Canonical)
					}
				}
				if got := w.Hash(); got != want.SHA256 {
					t.Errorf("%s: worker hash = %q, want %q", bundle, got, want.SHA256)
				}
				if want.EntriesCount == 0 || want.EntriesCount == len(want.Entries) {
					if got := w.IDs(); !slices.Equal(got, want.Entries) && !(len(got) == 0 && len(want.Entries) == 0) {
						t.Errorf("%s: entries = %v, want %v", bundle, got, want.Entries)
					}
				}
				if want.EntriesCount > 0 && len(w.IDs()) != want.EntriesCount {
					t.Errorf("%s: %d entries, want %d", bundle, len(w.IDs()), want.EntriesCount)
				}
			}
		})
	}
}

// TestWorkerGatewayExpectation checks the gateway's prediction (hashes.md
// §4.3): the effective documents mapped to the bundle, each in its worker
// view, hashed with the worker algorithm.
func TestWorkerGatewayExpectation(t *testing.T) {
	for _, c := range loadWorkerCases(t) {
		t.Run(c.ID, func(t *testing.T) {
			bundlesDir, modelsDir := c.dirs(t)
			files, err := ReadModelsDir(modelsDir)
			if err != nil {
				t.Fatal(err)
			}
			effective := map[string]*doc.Map{}
			for _, f := range files {
				id, _ := f.Doc.Get("sie_id")
				effective[id.(string)] = f.Doc
			}
			for _, d := range c.Deltas {
				m := mustParse(t, d.ModelConfig)
				id, _ := m.Get("sie_id")
				effective[id.(string)] = m
			}
			for bundle, want := range c.Worker {
				expected := want.SHA256
				if !c.GatewayApplicable {
					if want.GatewayExpected == nil {
						continue // w24: a worker without --bundle, no gateway view
					}
					expected = *want.GatewayExpected
				}
				adapters, err := ReadBundleAdapters(bundlesDir, bundle)
				if err != nil {
					t.Fatal(err)
				}
				var held []*workerview.Model
				for id, d := range effective {
					if !mapsTo(d, adapters) {
						continue
					}
					if v := workerview.Held(d, id); v != nil {
						held = append(held, v)
					}
				}
				if got := workerview.BundleHash(held); got != expected {
					t.Errorf("%s: gateway expectation = %q, want %q", bundle, got, expected)
				}
			}
		})
	}
}
