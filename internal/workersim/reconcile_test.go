package workersim

import (
	"slices"
	"strings"
	"testing"

	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/workerview"
	"github.com/sieproject/sie/internal/yamldoc"
)

func exportOf(t testing.TB, bundle string, docs ...string) []ExportEntry {
	t.Helper()
	var out []ExportEntry
	for _, text := range docs {
		id, _ := mustParse(t, text).Get("sie_id")
		out = append(out, NewExportEntry(id.(string), text, []string{bundle}))
	}
	return out
}

// A reconcile replaces the registry: variants from the models directory and
// models the export no longer has disappear, stubs are held as stubs.
func TestWorkerReconcileReplaces(t *testing.T) {
	w := newTestWorker(t, seedA)
	if got := strings.Join(w.IDs(), ","); got != "a" {
		t.Fatalf("startup ids %s", got)
	}
	stubB := "sie_id: b\nhf_id: b\nprofiles: {default: {adapter_path: m:B, max_batch_tokens: 2}}\n"
	ignoredC := "sie_id: c\nhf_id: c\ntasks: {}\nprofiles: {default: {adapter_path: m:C}}\n"
	export := exportOf(t, "default", seedA, stubB, ignoredC)
	export = append(export, NewExportEntry("other", seedOther, []string{"gpu"}))
	res := w.Reconcile(7, export)
	if res.Entries != 3 || res.Held != 2 || res.Removed != 0 {
		t.Errorf("result %+v", res)
	}
	if got := strings.Join(w.IDs(), ","); got != "a,b" {
		t.Errorf("ids after reconcile %s", got)
	}
	if got := strings.Join(w.Stubs(), ","); got != "b" {
		t.Errorf("stubs %s", got)
	}
	if w.ConfigEpoch() != 7 {
		t.Errorf("config epoch %d", w.ConfigEpoch())
	}
	if e := w.Epochs(); e["a"] != 7 || e["b"] != 7 || e["c"] != 7 || len(e) != 3 {
		t.Errorf("guards %v", e)
	}
	a, _ := workerview.Parse(mustParse(t, seedA))
	want := workerview.BundleHash([]*workerview.Model{a, workerview.BuildStub(mustParse(t, stubB), "b")})
	if w.Hash() != want {
		t.Errorf("hash %s, want %s", w.Hash(), want)
	}
	// Removal: b is gone from the next export.
	res = w.Reconcile(8, exportOf(t, "default", seedA))
	if res.Removed != 1 || strings.Join(w.IDs(), ",") != "a" {
		t.Errorf("after removal: %+v ids %v", res, w.IDs())
	}
	// An export without an entry for the bundle leaves the registry alone.
	before := w.Hash()
	if res := w.Reconcile(9, exportOf(t, "gpu", seedOther)); res.Entries != 0 || w.Hash() != before || w.ConfigEpoch() != 9 {
		t.Errorf("empty-filter export changed the registry: %+v", res)
	}
}

// A delta applied while the export was fetched is newer than the export: the
// reconcile keeps it rather than rolling it back, and the guard still drops
// the older copy.
func TestWorkerReconcileKeepsNewerDeltas(t *testing.T) {
	w := newTestWorker(t, seedA)
	newerA := strings.Replace(seedA, "max_batch_tokens: 1", "max_batch_tokens: 99", 1)
	newD := "sie_id: d\nhf_id: d\ntasks: {}\nprofiles: {default: {adapter_path: m:D, max_batch_tokens: 3}}\n"
	w.Apply(Delta{ModelID: "a", Epoch: 11, ModelConfig: newerA})
	w.Apply(Delta{ModelID: "d", Epoch: 12, ModelConfig: newD})
	hash := w.Hash()
	res := w.Reconcile(10, exportOf(t, "default", seedA))
	if res.Newer != 2 || w.Hash() != hash || w.ConfigEpoch() != 12 {
		t.Errorf("a newer delta was rolled back: %+v config epoch %d", res, w.ConfigEpoch())
	}
	if out := w.Apply(Delta{ModelID: "a", Epoch: 10, ModelConfig: seedA}); out != DeltaStale {
		t.Errorf("older copy: %v", out)
	}
}

// After a reconcile from an export of the effective documents, a worker's
// hash equals the gateway's expectation for every vector case (extensions
// E3: "the worker's hash equals the gateway's expected hash").
func TestWorkerReconcileMatchesGatewayExpectation(t *testing.T) {
	for _, c := range loadWorkerCases(t) {
		t.Run(c.ID, func(t *testing.T) {
			bundlesDir, modelsDir := c.dirs(t)
			files, err := ReadModelsDir(modelsDir)
			if err != nil {
				t.Fatal(err)
			}
			texts := map[string]string{}
			docs := map[string]*doc.Map{}
			for _, f := range files {
				id, _ := f.Doc.Get("sie_id")
				texts[id.(string)], docs[id.(string)] = string(yamldoc.Emit(f.Doc)), f.Doc
			}
			for _, d := range c.Deltas {
				m := mustParse(t, d.ModelConfig)
				id, _ := m.Get("sie_id")
				texts[id.(string)], docs[id.(string)] = d.ModelConfig, m
			}
			for bundle, want := range c.Worker {
				expected := want.SHA256
				if !c.GatewayApplicable {
					if want.GatewayExpected == nil {
						continue
					}
					expected = *want.GatewayExpected
				}
				adapters, err := ReadBundleAdapters(bundlesDir, bundle)
				if err != nil {
					t.Fatal(err)
				}
				var export []ExportEntry
				for id, d := range docs {
					var bundles []string
					if mapsTo(d, adapters) {
						bundles = []string{bundle}
					}
					export = append(export, NewExportEntry(id, texts[id], bundles))
				}
				slices.SortFunc(export, func(a, b ExportEntry) int { return strings.Compare(a.ModelID, b.ModelID) })
				w := startWorker(t, &c, bundle, bundlesDir, modelsDir)
				w.Reconcile(int64(len(c.Deltas)), export)
				if expected == "" && w.Hash() != "" && len(export) > 0 {
					// Nothing maps to the bundle: the registry is left alone.
					return
				}
				if got := w.Hash(); got != expected {
					t.Errorf("%s: hash after reconcile %q, want the gateway's %q", bundle, got, expected)
				}
			}
		})
	}
}
