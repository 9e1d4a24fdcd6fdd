package gateway

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sieproject/sie/internal/testkit"
)

// workerVectorCase is one case of testdata/vectors/worker_bundle_hash.json.
type workerVectorCase struct {
	ID                string            `json:"id"`
	Bundles           map[string]string `json:"bundles"`
	CatalogDir        string            `json:"catalog_dir"`
	StartupModels     map[string]string `json:"startup_models"`
	GatewayApplicable bool              `json:"gateway_applicable"`
	Deltas            []struct {
		ModelID     string `json:"model_id"`
		ModelConfig string `json:"model_config"`
	} `json:"deltas"`
	Worker map[string]struct {
		SHA256          string  `json:"sha256"`
		GatewayExpected *string `json:"gateway_expected_sha256"`
	} `json:"worker"`
}

// caseDirs lays the case out as a filesystem seed, or finds the shared
// catalog (skipping when it is absent).
func caseDirs(t *testing.T, c *workerVectorCase) (string, string) {
	if c.CatalogDir != "" {
		dir := testkit.SharedDir(t, c.CatalogDir)
		return filepath.Join(dir, "bundles"), filepath.Join(dir, "models")
	}
	root := t.TempDir()
	for sub, files := range map[string]map[string]string{"bundles": c.Bundles, "models": c.StartupModels} {
		if err := os.MkdirAll(filepath.Join(root, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		for name, text := range files {
			if err := os.WriteFile(filepath.Join(root, sub, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return filepath.Join(root, "bundles"), filepath.Join(root, "models")
}

// TestExpectedHashVectors computes expected_bundle_config_hash for every
// case through the mirror's own path: the startup models as a filesystem
// seed, then each delta as a NATS payload at the next epoch (sie-config
// bumps the epoch once per write). The gateway holds every delivered
// document, so w12's expectation is its gateway_expected_sha256.
func TestExpectedHashVectors(t *testing.T) {
	var file struct {
		Cases []workerVectorCase `json:"cases"`
	}
	testkit.LoadVector(t, "worker_bundle_hash.json", &file)
	if len(file.Cases) != 24 {
		t.Fatalf("%d cases, want 24", len(file.Cases))
	}
	for _, c := range file.Cases {
		t.Run(c.ID, func(t *testing.T) {
			bundlesDir, modelsDir := caseDirs(t, &c)
			seed, err := LoadSeed(bundlesDir, modelsDir, testkit.Discard())
			if err != nil {
				t.Fatal(err)
			}
			m, _ := newTestMirror(t, Config{Seed: seed})
			for i, d := range c.Deltas {
				m.HandleDelta(payload("sie-config", uint64(i+1), d.ModelID, d.ModelConfig))
			}
			if got := m.Snapshot().Epoch(); got != uint64(len(c.Deltas)) {
				t.Fatalf("epoch %d after %d deltas", got, len(c.Deltas))
			}
			checked := 0
			for bundle, want := range c.Worker {
				expected := want.SHA256
				if !c.GatewayApplicable {
					if want.GatewayExpected == nil {
						continue // w24: a worker without --bundle has no gateway view
					}
					expected = *want.GatewayExpected
				}
				if got := m.Snapshot().ExpectedHash(bundle); got != expected {
					t.Errorf("bundle %s: expected_bundle_config_hash %q, want %q", bundle, got, expected)
				}
				checked++
			}
			if checked == 0 && c.GatewayApplicable {
				t.Fatal("nothing checked")
			}
		})
	}
}
