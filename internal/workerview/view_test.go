package workerview

import (
	"strings"
	"testing"

	"github.com/sieproject/sie/internal/testkit"
)

// quickExample is the public Config API page's Quick Example body: no tasks.
func quickExample(t testing.TB) string {
	t.Helper()
	return string(testkit.Testdata(t, "quick-example.yaml"))
}

func TestViewForWorkers(t *testing.T) {
	const stubTail = ": workers hold a stub without outputs and reject inference for this model"
	tests := []struct {
		name, text, form string
		reasons          []string
	}{
		{"full document", validWorkerDoc, ViewStrict, []string{}},
		{"quick example", quickExample(t), ViewStub, []string{"no 'tasks' mapping" + stubTail}},
		{"extra top-level key", validWorkerDoc + "description: x\n", ViewStub,
			[]string{"top-level key 'description' is not in the worker schema" + stubTail}},
		{"invalid precision", "sie_id: a\nhf_id: a\ntasks: {}\nprofiles: {default: {adapter_path: m:A, max_batch_tokens: 1, compute_precision: FLOAT16}}\n", ViewStub,
			[]string{`'profiles.default.compute_precision' is "FLOAT16", not one of float16, bfloat16, float32 (or null)` + stubTail}},
		{"two causes", "sie_id: a\nhf_id: a\nname: a\nprofiles: {default: {adapter_path: m:A, max_batch_tokens: 1}}\n", ViewStub,
			[]string{"top-level key 'name' is not in the worker schema" + stubTail, "no 'tasks' mapping" + stubTail}},
		{"standalone without max_batch_tokens", "sie_id: a\nhf_id: a\ntasks: {}\nprofiles: {default: {adapter_path: m:A}}\n", ViewIgnored,
			[]string{"profile 'default' has no 'extends' and no 'max_batch_tokens': workers cannot build even a stub, so they do not hold this model at all"}},
		{"ignored and no tasks", "sie_id: a\nhf_id: a\nprofiles: {default: {adapter_path: m:A}}\n", ViewIgnored, []string{
			"profile 'default' has no 'extends' and no 'max_batch_tokens': workers cannot build even a stub, so they do not hold this model at all",
			"no 'tasks' mapping: once held, workers would still keep only a stub without outputs"}},
		{"null hf_id", "sie_id: a\nhf_id: null\nprofiles: {default: {adapter_path: m:A, max_batch_tokens: 1}}\n", ViewIgnored, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Of(mustParse(t, tt.text), "payload/id")
			if v.Form != tt.form {
				t.Fatalf("form %s, want %s (reasons %q)", v.Form, tt.form, v.Reasons)
			}
			if (v.Model == nil) != (tt.form == ViewIgnored) {
				t.Errorf("model %v for form %s", v.Model, v.Form)
			}
			if v.Reasons == nil {
				t.Error("reasons must be a list, never nil")
			}
			if tt.reasons != nil && strings.Join(v.Reasons, "\n") != strings.Join(tt.reasons, "\n") {
				t.Errorf("reasons\n got %q\nwant %q", v.Reasons, tt.reasons)
			}
			if tt.form != ViewStrict && len(v.Reasons) == 0 {
				t.Error("a non-strict view needs reasons")
			}
			if v.Servable() != (tt.form == ViewStrict) {
				t.Error("Servable disagrees with the form")
			}
		})
	}
}

// Every reason names a field in quotes, so a user knows what to fix.
func TestViewReasonsNameTheField(t *testing.T) {
	for _, text := range []string{
		"sie_id: a\nprofiles: {default: {adapter_path: 5, max_batch_tokens: 1}}\n",
		"sie_id: a\nprofiles: {default: 5}\n",
		"sie_id: a\nprofiles: {}\n",
		"sie_id: a\nhf_id: a\ntasks: {}\nprofiles: {default: {adapter_path: m:A, max_batch_tokens: 1}, b: {extends: c}}\n",
		"sie_id: a\nhf_id: a\ntasks: {encode: {dense: {dim: x}}}\ninputs: {image: maybe}\nprofiles: {default: {adapter_path: m:A, max_batch_tokens: 1}}\n",
	} {
		v := Of(mustParse(t, text), "a")
		if v.Form == ViewStrict {
			t.Errorf("%q: strict", text)
		}
		for _, r := range v.Reasons {
			if !strings.Contains(r, "'") {
				t.Errorf("%q: reason %q names no field", text, r)
			}
		}
	}
}
