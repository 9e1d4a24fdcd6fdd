package workerview

import (
	"math"
	"math/big"
	"strings"
	"testing"
)

const validWorkerDoc = `sie_id: org/model
hf_id: org/model
inputs: {text: true, image: "yes"}
tasks:
  encode: {dense: {dim: 768}, sparse: null}
  score: {}
max_sequence_length: "512"
profiles:
  default:
    adapter_path: sie_server.adapters.bert_flash:A
    max_batch_tokens: 1024.0
    compute_precision: bfloat16
    adapter_options: {runtime: {pooling: cls}}
    adaptive_batching: {target_p50_ms: "25", gain: 1}
  fast:
    extends: default
    max_batch_tokens: 256
`

func TestWorkerSchemaAccepts(t *testing.T) {
	m, problems := Parse(mustParse(t, validWorkerDoc))
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	if m.ID != "org/model" || m.Form != Full {
		t.Errorf("id %q form %v", m.ID, m.Form)
	}
	if got := strings.Join(m.Inputs, ","); got != "text,image" {
		t.Errorf("inputs %s", got)
	}
	if got := strings.Join(m.Outputs, ","); got != "dense,score" {
		t.Errorf("outputs %s", got)
	}
	if m.MaxSequenceLength != int64(512) {
		t.Errorf("max_sequence_length %#v", m.MaxSequenceLength)
	}
	if p, _ := m.Profile("default"); p.MaxBatchTokens != int64(1024) {
		t.Errorf("max_batch_tokens %#v", p.MaxBatchTokens)
	}
	if m.DefaultAdapter() != "sie_server.adapters.bert_flash:A" {
		t.Errorf("adapter %#v", m.DefaultAdapter())
	}
}

func TestWorkerSchemaProblems(t *testing.T) {
	tests := []struct {
		name, edit, want string
	}{
		{"extra top-level key", "description: x\n", "description: Extra inputs are not permitted"},
		{"name key", "name: x\n", "name: Extra inputs are not permitted"},
		{"tasks missing", "-tasks", "tasks: Field required"},
		{"tasks null", "tasks: null\n", "tasks: Input should be an object"},
		{"inputs null", "inputs: null\n", "inputs: Input should be an object"},
		{"bad precision", "profiles: {default: {adapter_path: a:B, max_batch_tokens: 1, compute_precision: FLOAT16}}\n", "compute_precision"},
		{"options null", "profiles: {default: {adapter_path: a:B, max_batch_tokens: 1, adapter_options: null}}\n", "adapter_options"},
		{"options extra key", "profiles: {default: {adapter_path: a:B, max_batch_tokens: 1, adapter_options: {flag: 0}}}\n", "adapter_options.flag"},
		{"no default", "profiles: {other: {adapter_path: a:B, max_batch_tokens: 1}}\n", "'default' profile"},
		{"chain", "profiles: {default: {adapter_path: a:B, max_batch_tokens: 1}, b: {extends: default}, c: {extends: b}}\n", "itself extends"},
		{"self extends", "profiles: {default: {extends: default}}\n", "itself extends"},
		{"unknown parent", "profiles: {default: {adapter_path: a:B, max_batch_tokens: 1}, b: {extends: zz}}\n", "unknown profile"},
		{"standalone incomplete", "profiles: {default: {adapter_path: a:B}}\n", "needs adapter_path and max_batch_tokens"},
		{"package backed with hf_id", "package_backed: true\n", "package_backed"},
		{"no weights", "hf_id: null\n", "either hf_id or weights_path"},
		{"score not empty", "tasks: {score: {x: 1}}\n", "tasks.score.x"},
		{"dim missing", "tasks: {encode: {dense: {}}}\n", "tasks.encode.dense.dim: Field required"},
		{"mbt not int", "profiles: {default: {adapter_path: a:B, max_batch_tokens: 16.5}}\n", "max_batch_tokens: Input should be a valid integer"},
		{"sie_id not string", "sie_id: 5\n", "sie_id: Input should be a valid string"},
		{"profiles list", "profiles: [a]\n", "profiles: Input should be a valid dictionary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustParse(t, validWorkerDoc)
			if tt.edit == "-tasks" {
				d.Delete("tasks")
			} else {
				for _, e := range mustParse(t, tt.edit).Entries() {
					d.Set(e.Key, e.Value)
				}
			}
			problems := SchemaProblems(d)
			if !strings.Contains(strings.Join(problems, "\n"), tt.want) {
				t.Errorf("problems %q do not mention %q", problems, tt.want)
			}
		})
	}
}

func TestWorkerInt(t *testing.T) {
	big20, _ := new(big.Int).SetString("100000000000000000000", 10)
	ok := []struct {
		in   any
		want any
	}{
		{int64(7), int64(7)}, {true, int64(1)}, {false, int64(0)}, {1024.0, int64(1024)},
		{"0016", int64(16)}, {" 1_000 ", int64(1000)}, {"16.00", int64(16)}, {"+5", int64(5)}, {"-3", int64(-3)},
		{1e20, big20}, {"100000000000000000000", big20},
	}
	for _, tt := range ok {
		got, valid := workerInt(tt.in)
		if !valid {
			t.Errorf("%#v rejected", tt.in)
			continue
		}
		if b, isBig := tt.want.(*big.Int); isBig {
			if g, _ := got.(*big.Int); g == nil || g.Cmp(b) != 0 {
				t.Errorf("%#v → %#v, want %s", tt.in, got, b)
			}
		} else if got != tt.want {
			t.Errorf("%#v → %#v, want %#v", tt.in, got, tt.want)
		}
	}
	for _, in := range []any{16.5, 16.0000001, "16.", "1e3", "0x10", "1__0", "١٢", math.Inf(1), math.NaN(), nil, "", []any{}} {
		if _, valid := workerInt(in); valid {
			t.Errorf("%#v accepted", in)
		}
	}
}

func TestWorkerBoolAndFloat(t *testing.T) {
	for _, in := range []any{true, int64(0), int64(1), 0.0, 1.0, "YES", "off", "T", "n"} {
		if _, ok := workerBool(in); !ok {
			t.Errorf("bool %#v rejected", in)
		}
	}
	for _, in := range []any{int64(2), 0.5, " true", "", nil, "maybe"} {
		if _, ok := workerBool(in); ok {
			t.Errorf("bool %#v accepted", in)
		}
	}
	for _, in := range []any{nil, int64(1), 2.5, true, "1e3", " 2.5 ", "inf", "-Infinity", "nan", "1_0", ".5", "5."} {
		if !workerOptFloat(in) {
			t.Errorf("float %#v rejected", in)
		}
	}
	for _, in := range []any{"abc", "_1", "1_", "0x10", "", "1e", []any{}} {
		if workerOptFloat(in) {
			t.Errorf("float %#v accepted", in)
		}
	}
}

func TestWorkerStub(t *testing.T) {
	quick := `hf_id: x
profiles:
  default:
    adapter_path: m:A
    max_batch_tokens: "512"
    compute_precision: bfloat16
    adapter_options: {runtime: {pooling: mean}}
  fast: {extends: default, max_batch_tokens: 64}
`
	m := Held(mustParse(t, quick), "from/payload")
	if m == nil || m.Form != Stub || m.ID != "from/payload" {
		t.Fatalf("stub = %+v", m)
	}
	want := `{"profiles":[{"config":{"adapter_options":null,"adapter_path":"m:A","compute_precision":null,"max_batch_tokens":512},"name":"default"},{"config":{"adapter_options":null,"adapter_path":null,"compute_precision":null,"max_batch_tokens":64},"name":"fast"}],"sie_id":"from/payload"}`
	if got := string(Entry(m)); got != want {
		t.Errorf("entry\n got %s\nwant %s", got, want)
	}
	fails := map[string]string{
		"null sie_id":        "sie_id: null\n" + quick,
		"null hf_id":         "sie_id: a\nhf_id: null\nprofiles: {default: {adapter_path: m:A, max_batch_tokens: 1}}\n",
		"no profiles":        "sie_id: a\n",
		"empty profiles":     "sie_id: a\nprofiles: {}\n",
		"profile not a map":  "sie_id: a\nprofiles: {default: 5}\n",
		"no default":         "sie_id: a\nprofiles: {fast: {adapter_path: m:A, max_batch_tokens: 1}}\n",
		"bad mbt":            "sie_id: a\nprofiles: {default: {adapter_path: m:A, max_batch_tokens: lots}}\n",
		"standalone no mbt":  "sie_id: a\nprofiles: {default: {adapter_path: m:A}}\n",
		"adapter_path int":   "sie_id: a\nprofiles: {default: {adapter_path: 5, max_batch_tokens: 1}}\n",
		"sie_id not string":  "sie_id: 5\nprofiles: {default: {adapter_path: m:A, max_batch_tokens: 1}}\n",
		"profiles not a map": "sie_id: a\nprofiles: [x]\n",
	}
	for name, text := range fails {
		if m := Held(mustParse(t, text), "p"); m != nil {
			t.Errorf("%s: got a %v view", name, m.Form)
		}
	}
}

func TestWorkerVariants(t *testing.T) {
	m, problems := Parse(mustParse(t, `sie_id: v/m
hf_id: v/m
tasks: {}
profiles:
  default:
    adapter_path: m:A
    max_batch_tokens: 100
    compute_precision: float16
    adapter_options: {loadtime: {a: 1}, runtime: {r: 1}}
  child:
    extends: default
    max_batch_tokens: 50
    adapter_options: {runtime: {r: 2}}
  solo:
    adapter_path: m:B
    max_batch_tokens: 7
`))
	if problems != nil {
		t.Fatal(problems)
	}
	vs := m.Variants()
	if len(vs) != 2 {
		t.Fatalf("%d variants", len(vs))
	}
	want := []string{
		`{"profiles":[{"config":{"adapter_options":{"loadtime":{"a":1},"runtime":{"r":2}},"adapter_path":"m:A","compute_precision":"float16","max_batch_tokens":50},"name":"default"}],"sie_id":"v/m:child"}`,
		`{"profiles":[{"config":{"adapter_options":null,"adapter_path":"m:B","compute_precision":null,"max_batch_tokens":7},"name":"default"}],"sie_id":"v/m:solo"}`,
	}
	for i, v := range vs {
		if got := string(Entry(v)); got != want[i] {
			t.Errorf("variant %d\n got %s\nwant %s", i, got, want[i])
		}
	}
}
