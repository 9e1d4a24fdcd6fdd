package catalog

// The registry rows of upstream-tests.md §1: tests/test_model_registry.py
// (#99–#138), tests/test_model_registry_mutation.py (#139–#157) and
// tests/test_hash_consistency.py (#81–#86), at the registry level. Upstream
// drives an in-process reload(); here a reload is a registry built anew
// over the changed directories (bundles change only at restart).

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/yamldoc"
)

// fixture is upstream's registry layout.
var (
	fixtureBundles = map[string]string{
		"default.yaml": "name: default\npriority: 10\ndefault: true\nadapters:\n- sie_server.adapters.sentence_transformer\n- sie_server.adapters.bge_m3\n",
		"sglang.yaml":  "name: sglang\npriority: 20\nadapters:\n- sie_server.adapters.sglang\n- sie_server.adapters.bge_m3\n",
	}
	fixtureModels = map[string]string{
		"bge.yaml":   "sie_id: BAAI/bge-m3\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bge_m3:BGEM3\n    max_batch_tokens: 8192\n",
		"e5.yaml":    "sie_id: intfloat/e5-base\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.sentence_transformer:ST\n",
		"qwen.yaml":  "sie_id: Qwen/Qwen3\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.sglang:SG\n",
		"named.yaml": "name: simple-model\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.sentence_transformer:ST\n",
	}
)

// registry is a snapshot built from directories, with the log it wrote.
type registry struct {
	*Snapshot
	logs    *testkit.Logs
	bundles string
	models  string
}

func writeTree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// build loads a registry over dirs (as sie-config does at startup).
func build(t testing.TB, bundlesDir, modelsDir string) *registry {
	t.Helper()
	var logs testkit.Logs
	log := logs.Logger()
	bs, err := LoadBundles(bundlesDir, log)
	if err != nil {
		t.Fatal(err)
	}
	seeds, err := LoadSeeds(modelsDir, log)
	if err != nil {
		t.Fatal(err)
	}
	return &registry{NewSnapshot(bs, seeds, log), &logs, bundlesDir, modelsDir}
}

func newRegistry(t testing.TB, bundles, models map[string]string) *registry {
	t.Helper()
	dir := t.TempDir()
	b, m := filepath.Join(dir, "bundles"), filepath.Join(dir, "models")
	writeTree(t, b, bundles)
	writeTree(t, m, models)
	return build(t, b, m)
}

func (r *registry) rebuild(t testing.TB) *registry { return build(t, r.bundles, r.models) }

func eq(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00") && len(a) == len(b)
}

func TestModelSpec(t *testing.T) { // upstream #99–#104
	cases := []struct{ in, bundle, model, err string }{
		{"BAAI/bge-m3", "", "BAAI/bge-m3", ""},                               // 99
		{"BAAI/bge-m3:FlagEmbedding", "", "BAAI/bge-m3:FlagEmbedding", ""},   // 100
		{"sglang:/BAAI/bge-m3", "sglang", "BAAI/bge-m3", ""},                 // 101
		{"sglang:/BAAI/bge-m3:variant", "sglang", "BAAI/bge-m3:variant", ""}, // 102
		{"SGLANG:/BAAI/bge-m3", "sglang", "BAAI/bge-m3", ""},                 // 103
		{"simple-model", "", "simple-model", ""},                             // 104
		{"a:/b:/c", "a", "b:/c", ""},                                         // first ":/" splits
		{"", "", "", MsgSpecEmpty}, {" \t", "", "", MsgSpecEmpty},
		{":/x", "", "", MsgSpecEmptyBundle}, {"x:/", "", "", MsgSpecEmptyModel},
	}
	for _, c := range cases {
		b, m, e := ParseModelSpec(c.in)
		if b != c.bundle || m != c.model || e != c.err {
			t.Errorf("%q: (%q, %q, %q), want (%q, %q, %q)", c.in, b, m, e, c.bundle, c.model, c.err)
		}
	}
}

func TestDefaults(t *testing.T) { // upstream #105, #106
	b, err := ParseBundle("stem", nil)
	if err != nil || b.Name != "stem" || b.Priority != 100 || b.Adapters == nil || len(b.Adapters) != 0 {
		t.Fatalf("bundle defaults: %+v %v", b, err)
	}
	r := newRegistry(t, fixtureBundles, map[string]string{"x.yaml": "sie_id: bare/model\n"})
	m := r.Find("bare/model")
	if m == nil || m.Bundles() == nil || len(m.Bundles()) != 0 || len(m.ProfileNames()) != 0 {
		t.Fatalf("model defaults: %+v", m)
	}
}

func TestLoadAndMap(t *testing.T) { // upstream #107–#118
	r := newRegistry(t, fixtureBundles, fixtureModels)
	var names []string
	for _, b := range r.Bundles().Ordered() {
		names = append(names, b.Name)
	}
	if !eq(names, []string{"default", "sglang"}) { // 107, 108
		t.Fatalf("bundles %v", names)
	}
	if r.Len() != 4 || r.Exact("simple-model") == nil { // 109 (incl. the name: alias)
		t.Fatalf("%d models", r.Len())
	}
	if got := r.Exact("BAAI/bge-m3").Bundles(); !eq(got, []string{"default", "sglang"}) { // 110
		t.Fatalf("bge bundles %v", got)
	}
	if got := r.Exact("intfloat/e5-base").Bundles(); !eq(got, []string{"default"}) {
		t.Fatalf("e5 bundles %v", got)
	}
	two := mustParse(t, "sie_id: two/m\nprofiles:\n  a:\n    adapter_path: sie_server.adapters.sentence_transformer:A\n  b:\n    adapter_path: sie_server.adapters.sglang:B\n")
	if _, m := r.WithAPI("two/m", two, ""); !eq(m.Bundles(), []string{"default", "sglang"}) { // 124
		t.Fatalf("profiles on two bundles: %v", m.Bundles())
	}
	resolve := func(name string, override *string) (string, error) {
		_, b, err := r.Resolve(name, override)
		return b, err
	}
	sg := "sglang"
	if b, _ := resolve("BAAI/bge-m3", nil); b != "default" { // 111
		t.Fatal(b)
	}
	if b, _ := resolve("BAAI/bge-m3", &sg); b != "sglang" { // 112
		t.Fatal(b)
	}
	if _, err := resolve("nope/nope", nil); !errors.Is(err, ErrModelNotFound) { // 113
		t.Fatal(err)
	}
	var conflict *BundleConflictError // 114
	if _, err := resolve("intfloat/e5-base", &sg); !errors.As(err, &conflict) || conflict.Bundle != "sglang" || !eq(conflict.Compatible, []string{"default"}) {
		t.Fatal(err)
	}
	for _, n := range []string{"baai/bge-m3", "BAAI/BGE-M3"} { // 115
		if b, _ := resolve(n, nil); b != "default" {
			t.Fatalf("%s → %s", n, b)
		}
	}
	if r.Find("BAAI/bge-m3") == nil || r.Find("baai/bge-m3") == nil || r.Find("nope") != nil { // 116
		t.Fatal("model exists")
	}
	def := r.Bundles().Lookup("default") // 117 (the `default:` flag is not modelled; §5.1 ignores other keys)
	if def == nil || def.Priority != 10 || !def.HasModule("sie_server.adapters.bge_m3") || r.Bundles().Lookup("nope") != nil {
		t.Fatalf("bundle info %+v", def)
	}
	modelsFor := func(bundle string) []string { // 118
		var out []string
		for _, m := range r.Models() {
			if m.InBundle(bundle) {
				out = append(out, m.ID)
			}
		}
		return out
	}
	if got := modelsFor("default"); !eq(got, []string{"BAAI/bge-m3", "intfloat/e5-base", "simple-model"}) {
		t.Fatalf("default models %v", got)
	}
	if got := modelsFor("sglang"); !eq(got, []string{"BAAI/bge-m3", "Qwen/Qwen3"}) {
		t.Fatalf("sglang models %v", got)
	}
	if got := modelsFor("unknown"); len(got) != 0 {
		t.Fatal(got)
	}
}

func TestReload(t *testing.T) { // upstream #119, #134, #138
	r := newRegistry(t, fixtureBundles, fixtureModels)
	orphan := "sie_id: new/orphan\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.newmod:N\n"
	writeTree(t, r.models, map[string]string{"orphan.yaml": orphan})
	r = r.rebuild(t)
	if got := r.Exact("new/orphan").Bundles(); len(got) != 0 || !strings.Contains(r.logs.String(), "unrouteable") {
		t.Fatalf("before the bundle exists: %v", got)
	}
	writeTree(t, r.bundles, map[string]string{"new.yaml": "name: new\npriority: 5\nadapters:\n- sie_server.adapters.newmod\n"})
	r = r.rebuild(t)
	if first := r.Bundles().Ordered()[0].Name; first != "new" {
		t.Fatalf("first bundle %s", first)
	}
	if got := r.Exact("new/orphan").Bundles(); !eq(got, []string{"new"}) || strings.Contains(r.logs.String(), "unrouteable") {
		t.Fatalf("after: %v\n%s", got, r.logs)
	}
	// #138: adding a model keeps nothing stale: the appended model routes.
	next, m := r.WithAPI("added/m", mustParse(t, "sie_id: added/m\nprofiles:\n  d:\n    adapter_path: sie_server.adapters.newmod:N\n"), "")
	if !eq(m.Bundles(), []string{"new"}) || next.Exact("added/m") == nil {
		t.Fatal("added model does not route")
	}
}

func TestMissingAndEmptyInputs(t *testing.T) { // upstream #120–#122
	dir := t.TempDir()
	empty := filepath.Join(dir, "models")
	writeTree(t, empty, nil)
	r := build(t, filepath.Join(dir, "no-bundles"), empty) // 120
	if r.Bundles().Len() != 0 || r.Len() != 0 || r.Bundles().Hash() != "" {
		t.Fatal("missing bundles dir")
	}
	r = newRegistry(t, fixtureBundles, nil) // 121
	r = build(t, r.bundles, filepath.Join(dir, "no-models"))
	if r.Bundles().Len() != 2 || r.Len() != 0 {
		t.Fatal("missing models dir")
	}
	r = newRegistry(t, map[string]string{"empty.yaml": ""}, nil) // 122
	if b := r.Bundles().Lookup("empty"); b == nil || b.Priority != 100 || len(b.Adapters) != 0 {
		t.Fatal("empty bundle file")
	}
	// A directory that exists but cannot be listed makes the registry absent.
	notDir := filepath.Join(dir, "file")
	writeTree(t, dir, map[string]string{"file": "x"})
	if _, err := LoadBundles(notDir, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))); err == nil {
		t.Fatal("a bundles path that is a file must fail")
	}
}

func TestMalformedFilesAreContained(t *testing.T) { // README §5.2 item 2, §5.1, §5.2
	r := newRegistry(t, map[string]string{
		"a.yaml":    "name: a\npriority: null\nadapters: [m.a]\n",
		"b.yaml":    "name: b\nadapters: null\n",
		"c.yaml":    "name: c\npriority: 1.5\n",
		"d.yaml":    "name: d\nadapters: [1]\n",
		"e.yaml":    "- not a mapping\n",
		"f.yaml":    "priority: yes\n",
		"g.yaml":    "name: dup\npriority: 1\nadapters: [m.g]\n",
		"h.yaml":    "name: dup\npriority: 2\nadapters: [m.h]\n",
		"i.yml":     "name: ignored\n",
		"ok.yaml":   "name: ok\npriority: 3\nadapters: [m.ok]\n",
		"zzz.yaml":  "name: ''\n", // empty name → the file stem
		"tie1.yaml": "name: tie-b\npriority: 3\n",
	}, map[string]string{
		"a.yaml": "sie_id: m/a\nprofiles: [x]\n",
		"b.yaml": "sie_id: m/b\nprofiles:\n  p:\n    adapter_path: 5\n",
		"c.yaml": "sie_id: m/c\nprofiles:\n  p: x\n",
		"d.yaml": "other: key\n", // no id: ignored silently
		"e.yaml": "sie_id: dup/m\nprofiles:\n  first:\n    adapter_path: m.ok:A\n",
		"f.yaml": "sie_id: dup/m\nprofiles:\n  second:\n    adapter_path: m.ok:B\n",
		"g.yaml": "sie_id: m/g\nx: 0777\n",
		"h.yaml": "sie_id: ''\nname: via/name\nprofiles:\n  p:\n    adapter_path: m.ok:C\n",
	})
	var names []string
	for _, b := range r.Bundles().Ordered() {
		names = append(names, fmt.Sprintf("%s:%d", b.Name, b.Priority))
	}
	if got := strings.Join(names, " "); got != "dup:2 ok:3 tie-b:3 zzz:100" {
		t.Fatalf("bundles %s", got)
	}
	var ids []string
	for _, m := range r.Models() {
		ids = append(ids, m.ID)
	}
	if got := strings.Join(ids, " "); got != "dup/m via/name" {
		t.Fatalf("models %s", got)
	}
	if !eq(r.Exact("dup/m").ProfileNames(), []string{"second"}) {
		t.Fatal("the later duplicate must win")
	}
}

func TestUnrouteableReporting(t *testing.T) { // upstream #123, #131–#137
	r := newRegistry(t, fixtureBundles, map[string]string{
		"good.yaml":    fixtureModels["e5.yaml"],
		"orphan1.yaml": "sie_id: orphan/one\nprofiles:\n  default:\n    adapter_path: missing.one:X\n",
		"orphan2.yaml": "sie_id: orphan/two\nprofiles:\n  default:\n    adapter_path: missing.two\n",
		"mixed.yaml":   "sie_id: mixed/m\nprofiles:\n  ok:\n    adapter_path: sie_server.adapters.sentence_transformer:ST\n  bad:\n    adapter_path: missing.three:Y\n",
		"ext.yaml":     "sie_id: ext/only\nprofiles:\n  fast:\n    extends: default\n",
	})
	if got := r.Exact("orphan/one").Bundles(); len(got) != 0 { // 123: listed with no bundle
		t.Fatal(got)
	}
	if !eq(r.Exact("intfloat/e5-base").Bundles(), []string{"default"}) || !eq(r.Exact("mixed/m").Bundles(), []string{"default"}) { // 131, 137
		t.Fatal("routable models lost their bundle")
	}
	logs := r.logs.String()
	if strings.Count(logs, "level=ERROR") != 1 || !strings.Contains(logs, "unrouteable") { // 136: one aggregated ERROR
		t.Fatalf("logs:\n%s", logs)
	}
	for _, want := range []string{"orphan/one (missing.one)", "orphan/two (missing.two)", "mixed/m (missing.three)"} { // 132, 137
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "ext/only") || strings.Contains(logs, "sentence_transformer") { // 135, 137
		t.Fatalf("extends-only model or routable module reported:\n%s", logs)
	}
}

// TestSnapshotsAreImmutable covers upstream #133 and #152 by the design's
// equivalent: derived snapshots never change the one they came from, and
// planning a write never mutates the request or the current document.
func TestSnapshotsAreImmutable(t *testing.T) {
	r := newRegistry(t, fixtureBundles, fixtureModels)
	old := r.Exact("BAAI/bge-m3")
	before := string(yamldoc.Emit(old.Effective()))
	body := mustParse(t, "sie_id: BAAI/bge-m3\ndescription: d\nprofiles:\n  fast:\n    adapter_path: sie_server.adapters.bge_m3:F\n")
	bodyBefore := string(yamldoc.Emit(body))
	plan, err := PlanAppend(r.Snapshot, "BAAI/bge-m3", body)
	if err != nil {
		t.Fatal(err)
	}
	next, m := r.WithAPI("BAAI/bge-m3", plan.Doc, string(yamldoc.Emit(plan.Doc)))
	Profiles(plan.Doc).Set("mutated", doc.NewMap()) // a caller scribbling on the plan
	if string(yamldoc.Emit(old.Effective())) != before || r.Exact("BAAI/bge-m3") != old || string(yamldoc.Emit(body)) != bodyBefore {
		t.Fatal("planning or deriving changed the original")
	}
	if !eq(m.ProfileNames(), []string{"default", "fast"}) || next.Len() != r.Len() || r.Exact("BAAI/bge-m3").HasAPI() {
		t.Fatal("derived snapshot")
	}
	gone, _ := next.WithoutAPI("BAAI/bge-m3")
	if !next.Exact("BAAI/bge-m3").HasAPI() || gone.Exact("BAAI/bge-m3").HasAPI() {
		t.Fatal("WithoutAPI changed its receiver or did not revert")
	}
}

func countModels(r *registry) int {
	n := 0
	for range r.Models() {
		n++
	}
	return n
}

func TestConcurrentReadsAndBuilds(t *testing.T) { // upstream #125, #126, #130
	r := newRegistry(t, fixtureBundles, fixtureModels)
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if r.Len() != 4 || countModels(r) != 4 || r.Find("baai/bge-m3") == nil {
					errs <- "inconsistent read"
					return
				}
			}
		}()
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if h := r.rebuild(t).Bundles().Hash(); len(h) != 64 {
					errs <- "hash " + h
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestBundlesHashProperties(t *testing.T) { // upstream #127–#129
	a, b := newRegistry(t, fixtureBundles, nil), newRegistry(t, fixtureBundles, nil)
	if h := a.Bundles().Hash(); len(h) != 64 || h != b.Bundles().Hash() {
		t.Fatal("not stable")
	}
	edited := map[string]string{"default.yaml": fixtureBundles["default.yaml"] + "- extra.module\n", "sglang.yaml": fixtureBundles["sglang.yaml"]}
	if newRegistry(t, edited, nil).Bundles().Hash() == a.Bundles().Hash() {
		t.Fatal("an added adapter must change the hash")
	}
	reordered := map[string]string{
		"default.yaml": "name: default\npriority: 10\nadapters:\n- sie_server.adapters.bge_m3\n- sie_server.adapters.sentence_transformer\n",
		"sglang.yaml":  fixtureBundles["sglang.yaml"],
	}
	if newRegistry(t, reordered, nil).Bundles().Hash() != a.Bundles().Hash() {
		t.Fatal("adapter order must not matter")
	}
}

func TestMutation(t *testing.T) { // upstream #139–#151
	bundles := map[string]string{"default.yaml": "name: default\npriority: 10\nadapters:\n- sie_server.adapters.bert_flash\n- sie_server.adapters.sentence_transformer\n",
		"sglang.yaml": "name: sglang\npriority: 20\nadapters:\n- sie_server.adapters.sglang\n"}
	seed := "sie_id: seed/m\ndescription: keep\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 1024\n    model_name: x\n    revision: r1\n  ext:\n    extends: default\n"
	r := newRegistry(t, bundles, map[string]string{"seed.yaml": seed})
	s := r.Snapshot
	apply := func(id, body string) (*AppendPlan, error) {
		plan, err := PlanAppend(s, id, mustParse(t, body))
		if err == nil && plan.Doc != nil {
			s, _ = s.WithAPI(id, plan.Doc, string(yamldoc.Emit(plan.Doc)))
		}
		return plan, err
	}
	plan, err := apply("new/m", "sie_id: new/m\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n") // 139
	if err != nil || !eq(plan.Created, []string{"default"}) || len(plan.Skipped) != 0 || !eq(plan.Bundles, []string{"default"}) {
		t.Fatalf("139: %+v %v", plan, err)
	}
	if _, b, err := s.Resolve("new/m", nil); err != nil || b != "default" { // 140
		t.Fatal("140")
	}
	plan, err = apply("seed/m", "sie_id: seed/m\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 1024\n    model_name: x\n    revision: r1\n  fast:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 8192\n") // 141
	if err != nil || !eq(plan.Created, []string{"fast"}) || !eq(plan.Skipped, []string{"default"}) {
		t.Fatalf("141: %+v %v", plan, err)
	}
	eff := s.Exact("seed/m").Effective() // 149, 150, 151
	if d, _ := eff.Get("description"); d != "keep" {
		t.Fatal("149: description lost")
	}
	def, _ := Profiles(eff).Get("default")
	for _, k := range []string{"model_name", "revision"} {
		if !def.(*doc.Map).Has(k) {
			t.Fatalf("150: %s lost", k)
		}
	}
	if mbt, _ := def.(*doc.Map).Get("max_batch_tokens"); mbt != int64(1024) {
		t.Fatal("149: default changed")
	}
	if fast, _ := Profiles(eff).Get("fast"); fast == nil || !Profiles(eff).Has("ext") {
		t.Fatal("149/151: profiles")
	}
	var ve *ValidationError
	if _, err := apply("new/m", "sie_id: new/m\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 5\n"); !errors.As(err, &ve) || !strings.Contains(ve.Message, "already exists with different config") { // 142
		t.Fatalf("142: %v", err)
	}
	if _, err := apply("u/m", "sie_id: u/m\nprofiles:\n  p:\n    adapter_path: nowhere.mod:X\n"); !errors.As(err, &ve) || !strings.Contains(ve.Message, "not in any known bundle") { // 143
		t.Fatalf("143: %v", err)
	}
	if _, err := DocumentID(mustParse(t, "profiles: {}\n")); !errors.As(err, &ve) || !strings.Contains(ve.Message, "sie_id") { // 144
		t.Fatalf("144: %v", err)
	}
	if _, err := apply("np/m", "sie_id: np/m\n"); !errors.As(err, &ve) || !strings.Contains(ve.Message, "profiles") { // 145
		t.Fatalf("145: %v", err)
	}
	if _, err := apply("sg/m", "sie_id: sg/m\nprofiles:\n  p:\n    adapter_path: sie_server.adapters.sglang:S\n"); err != nil { // 146
		t.Fatal(err)
	}
	if _, b, _ := s.Resolve("sg/m", nil); b != "sglang" {
		t.Fatal("146")
	}
	if s.Exact("unknown/m") != nil { // 147
		t.Fatal("147")
	}
	seedDoc, seedText := r.Exact("seed/m").Seed() // 148
	if id, _ := seedDoc.Get("sie_id"); id != "seed/m" || !Profiles(seedDoc).Has("default") || seedText != seed {
		t.Fatal("148")
	}
}

func TestConfigBundleHashOfSnapshot(t *testing.T) { // upstream #153–#157
	bundles := map[string]string{"default.yaml": "name: default\npriority: 10\nadapters:\n- sie_server.adapters.bert_flash\n",
		"sglang.yaml": "name: sglang\npriority: 20\nadapters:\n- sie_server.adapters.sglang\n"}
	r := newRegistry(t, bundles, nil)
	if r.ConfigBundleHash("default") != "" { // 153
		t.Fatal("153")
	}
	next, _ := r.WithAPI("n/e", mustParse(t, "sie_id: n/e\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 1\n"), "")
	h := next.ConfigBundleHash("default")
	if h != "f5a4539f5e25dbb3295089d2bae0d67a4fc49b523f48d3ea12be8594821979a5" || h != next.ConfigBundleHash("default") { // 154, 155 (vector c01)
		t.Fatalf("154: %s", h)
	}
	if next.ConfigBundleHash("sglang") != "" || next.ConfigBundleHash("unknown") != "" { // 156, 157
		t.Fatal("156/157")
	}
}

// TestSnapshotHashMatchesVectors covers upstream #81–#86: the registry's
// incrementally maintained hash equals the from-scratch algorithm (the
// vectors) whatever order models are added in, and is "" when empty.
func TestSnapshotHashMatchesVectors(t *testing.T) {
	var file struct {
		Cases []configCase `json:"cases"`
	}
	testkit.LoadVector(t, "config_bundle_hash.json", &file)
	var mapping struct {
		Cases []struct {
			ID           string              `json:"id"`
			ModelBundles map[string][]string `json:"model_bundles"`
		} `json:"cases"`
	}
	testkit.LoadVector(t, "config_bundle_hash.json", &mapping)
	modelBundles := map[string]map[string][]string{}
	for _, c := range mapping.Cases {
		modelBundles[c.ID] = c.ModelBundles
	}
	for _, c := range file.Cases {
		t.Run(c.ID, func(t *testing.T) {
			bundles, docs := c.load(t)
			ids := sortedKeys(docs)
			var seeds []Seed
			for _, id := range ids {
				seeds = append(seeds, Seed{ID: id, Doc: docs[id]})
			}
			fromSeeds := NewSnapshot(bundles, seeds, nil)
			// The same documents added one by one as API documents, in a
			// shuffled order (#84), starting from an empty registry.
			incremental := NewSnapshot(bundles, nil, nil)
			rng := rand.New(rand.NewSource(int64(len(ids))))
			for _, i := range rng.Perm(len(ids)) {
				incremental, _ = incremental.WithAPI(ids[i], docs[ids[i]], "")
			}
			for name, want := range c.Hashes {
				for label, s := range map[string]*Snapshot{"seeds": fromSeeds, "incremental": incremental} {
					if got := s.ConfigBundleHash(name); got != want.SHA256 {
						t.Errorf("%s %s: %q, want %q", label, name, got, want.SHA256)
					}
				}
			}
			if mb := modelBundles[c.ID]; mb != nil {
				for id, want := range mb {
					if got := fromSeeds.Exact(id).Bundles(); !eq(got, want) && !(len(got) == 0 && len(want) == 0) {
						t.Errorf("%s bundles %v, want %v", id, got, want)
					}
				}
			}
			if c.BundleOrder != nil {
				var order []string
				for _, b := range fromSeeds.Bundles().Ordered() {
					order = append(order, b.Name)
				}
				if !eq(order, c.BundleOrder) {
					t.Errorf("bundle order %v, want %v", order, c.BundleOrder)
				}
			}
		})
	}
}
