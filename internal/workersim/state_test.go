package workersim

import (
	"strings"
	"testing"

	"github.com/sieproject/sie/internal/workerview"
)

func newTestWorker(t *testing.T, files ...string) *State {
	t.Helper()
	var wf []ModelFile
	for i, text := range files {
		wf = append(wf, ModelFile{Name: string(rune('a'+i)) + ".yaml", Doc: mustParse(t, text)})
	}
	w, err := NewState(Startup{Bundle: "default", Adapters: []string{"m"}, Files: wf})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

const seedA = "sie_id: a\nhf_id: a\ntasks: {}\nprofiles: {default: {adapter_path: m:A, max_batch_tokens: 1}, v: {extends: default}}\n"
const seedOther = "sie_id: other\nhf_id: other\ntasks: {}\nprofiles: {default: {adapter_path: x:A, max_batch_tokens: 1}}\n"

func TestWorkerStartupFilter(t *testing.T) {
	w := newTestWorker(t, seedA, seedOther)
	if got := strings.Join(w.IDs(), ","); got != "a" {
		t.Errorf("filtered ids = %s", got)
	}
	if w.Bundle() != "default" {
		t.Errorf("bundle %q", w.Bundle())
	}
	// Nothing matches: the worker runs unfiltered, variants included.
	w2, err := NewState(Startup{Bundle: "gpu", Adapters: []string{"sglang"},
		Files: []ModelFile{{Name: "a.yaml", Doc: mustParse(t, seedA)}, {Name: "b.yaml", Doc: mustParse(t, seedOther)}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(w2.IDs(), ","); got != "a,a:v,other" {
		t.Errorf("unfiltered ids = %s", got)
	}
	if w2.Bundle() != "gpu" {
		t.Errorf("bundle %q", w2.Bundle())
	}
}

func TestWorkerStartupRejectsInvalidFile(t *testing.T) {
	_, err := NewState(Startup{Bundle: "default", Adapters: []string{"m"},
		Files: []ModelFile{{Name: "bad.yaml", Doc: mustParse(t, "sie_id: bad\nprofiles: {}\n")}}})
	if err == nil || !strings.Contains(err.Error(), "bad.yaml") {
		t.Errorf("err = %v", err)
	}
}

func TestWorkerApplyEpochGuard(t *testing.T) {
	w := newTestWorker(t, seedA)
	v1 := "sie_id: nm\nhf_id: nm\ntasks: {}\nprofiles: {default: {adapter_path: m:A, max_batch_tokens: 1}}\n"
	v2 := "sie_id: nm\nhf_id: nm\ntasks: {}\nprofiles: {default: {adapter_path: m:A, max_batch_tokens: 2}}\n"
	steps := []struct {
		d    Delta
		want ApplyOutcome
	}{
		{Delta{ModelID: "nm", Epoch: 3}, DeltaIgnored},                      // empty: nothing recorded
		{Delta{ModelID: "nm", Epoch: 3, ModelConfig: v1}, DeltaAppliedFull}, // first
		{Delta{ModelID: "nm", Epoch: 3, ModelConfig: v2}, DeltaStale},       // equal epoch
		{Delta{ModelID: "nm", Epoch: 2, ModelConfig: v2}, DeltaStale},       // lower epoch
		{Delta{ModelID: "nm", Epoch: 4, ModelConfig: "a: [\n"}, DeltaUnparsable},
		{Delta{ModelID: "nm", Epoch: 4, ModelConfig: v2}, DeltaStale}, // epoch 4 was recorded
		{Delta{ModelID: "nm", Epoch: 5, ModelConfig: "sie_id: nm\nprofiles: {x: {adapter_path: m:A}}\n"}, DeltaRejected},
		{Delta{ModelID: "nm", Epoch: 6, ModelConfig: "sie_id: nm\ndescription: d\n" + v2[len("sie_id: nm\n"):]}, DeltaAppliedStub},
	}
	for i, s := range steps {
		if got := w.Apply(s.d); got != s.want {
			t.Fatalf("step %d: %v, want %v", i, got, s.want)
		}
		if i == 0 {
			if _, ok := w.Epochs()["nm"]; ok {
				t.Fatal("empty model_config recorded an epoch")
			}
		}
		if i == 6 {
			if m, _ := w.Model("nm"); m.Form != workerview.Full {
				t.Fatal("a rejected delta replaced the held model")
			}
		}
	}
	if m, _ := w.Model("nm"); m.Form != workerview.Stub {
		t.Errorf("form %v", m.Form)
	}
	if w.Epochs()["nm"] != 6 {
		t.Errorf("epochs %v", w.Epochs())
	}
	w.ResetEpochs()
	if got := w.Apply(Delta{ModelID: "nm", Epoch: 0, ModelConfig: v1}); got != DeltaAppliedFull {
		t.Errorf("after reconnect: %v", got)
	}
}

func TestWorkerApplyChangesHashOnlyForThatModel(t *testing.T) {
	w := newTestWorker(t, seedA)
	before, v := w.Hash(), w.Version()
	entryA, _ := w.entries.Get("a")
	w.Apply(Delta{ModelID: "nm", Epoch: 1, ModelConfig: "sie_id: nm\nhf_id: nm\ntasks: {}\nprofiles: {default: {adapter_path: m:A, max_batch_tokens: 1}}\n"})
	if w.Hash() == before || w.Version() == v {
		t.Error("hash or version unchanged after an apply")
	}
	if e, _ := w.entries.Get("a"); &e[0] != &entryA[0] {
		t.Error("an unchanged model was re-serialized")
	}
}
