package siectl

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/sieproject/sie/internal/doc"
)

// fromYAMLNode reads a YAML node into document values, keeping key order.
func fromYAMLNode(t *testing.T, n *yaml.Node) any {
	t.Helper()
	switch n.Kind {
	case yaml.DocumentNode:
		return fromYAMLNode(t, n.Content[0])
	case yaml.MappingNode:
		m := doc.NewMap()
		for i := 0; i+1 < len(n.Content); i += 2 {
			m.Set(n.Content[i].Value, fromYAMLNode(t, n.Content[i+1]))
		}
		return m
	case yaml.SequenceNode:
		out := []any{}
		for _, c := range n.Content {
			out = append(out, fromYAMLNode(t, c))
		}
		return out
	}
	var v any
	must(t, n.Decode(&v))
	if i, ok := v.(int); ok {
		return int64(i)
	}
	return v
}

// sameShape compares values and, unlike doc.Equal, key order too.
func sameShape(a, b any) bool {
	am, aok := a.(*doc.Map)
	bm, bok := b.(*doc.Map)
	if aok || bok {
		if !aok || !bok || strings.Join(am.Keys(), ",") != strings.Join(bm.Keys(), ",") {
			return false
		}
		for _, k := range am.Keys() {
			av, _ := am.Get(k)
			bv, _ := bm.Get(k)
			if !sameShape(av, bv) {
				return false
			}
		}
		return true
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok || bok {
		if !aok || !bok || len(al) != len(bl) {
			return false
		}
		for i := range al {
			if !sameShape(al[i], bl[i]) {
				return false
			}
		}
		return true
	}
	return doc.Equal(a, b)
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// snakeKeys checks every key of v (outside model documents).
func snakeKeys(t *testing.T, v any, where string) {
	t.Helper()
	switch x := v.(type) {
	case *doc.Map:
		for _, e := range x.Entries() {
			if !snakeCase.MatchString(e.Key) {
				t.Fatalf("%s: key %q is not snake_case", where, e.Key)
			}
			snakeKeys(t, e.Value, where)
		}
	case []any:
		for _, it := range x {
			snakeKeys(t, it, where)
		}
	}
}

// TestJSONAndYAMLOutputsAreOneSchema runs every command with -o json and
// -o yaml and requires the same data with the same keys in the same order.
func TestJSONAndYAMLOutputsAreOneSchema(t *testing.T) {
	cl := testCluster(t, t.TempDir())
	defer cl.stop()
	env := devEnv(cl)
	mustRun(t, env, 0, "apply", "-f", cl.exampleFile)
	dir := t.TempDir()
	writeFile(t, dir, "m.yaml", exampleModel(cl.exampleModel))
	writeFile(t, dir, "n.yaml", exampleModel("org/new")+"description: yes, quoted\n")
	stub := writeFile(t, t.TempDir(), "stub.yaml", "sie_id: org/stub\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:X\n")

	commands := []struct {
		args []string
		ours bool // siectl's own schema (not an API answer): keys must be snake_case
		code int
		drop string // a top-level key whose value changes between calls
	}{
		{args: []string{"get", "models"}},
		{args: []string{"get", "bundles"}},
		{args: []string{"get", "model", "BAAI/bge-m3"}},
		{args: []string{"get", "bundle", "default"}},
		{args: []string{"epoch"}},
		{args: []string{"resolve", "BAAI/bge-m3"}},
		{args: []string{"export"}, drop: "generated_at"}, // differs between the two calls
		{args: []string{"apply", "-f", dir, "--dry-run"}, ours: true},
		{args: []string{"validate", "-f", dir}, ours: true},
		{args: []string{"validate", "-f", stub}, ours: true},
		{args: []string{"validate", "-f", dir, "--server"}, ours: true},
		{args: []string{"diff", "-f", dir}, ours: true, code: 1},
		{args: []string{"replace", "-f", filepath.Join(dir, "n.yaml"), "--dry-run"}},
		{args: []string{"delete", cl.exampleModel, "--dry-run"}},
	}
	for _, c := range commands {
		name := strings.Join(c.args, " ")
		jsonOut := mustRun(t, env, c.code, append(c.args, "-o", "json")...)
		yamlOut := mustRun(t, env, c.code, append(c.args, "-o", "yaml")...)
		jsonOut, yamlOut = stripStderr(jsonOut), stripStderr(yamlOut)
		jv, err := decodeOrdered([]byte(jsonOut))
		if err != nil {
			t.Fatalf("%s -o json is not JSON: %v\n%s", name, err, jsonOut)
		}
		var node yaml.Node
		if err := yaml.Unmarshal([]byte(yamlOut), &node); err != nil {
			t.Fatalf("%s -o yaml is not YAML: %v\n%s", name, err, yamlOut)
		}
		yv := fromYAMLNode(t, &node)
		if c.drop != "" {
			jv.(*doc.Map).Set(c.drop, nil)
			yv.(*doc.Map).Set(c.drop, nil)
		}
		if !sameShape(jv, yv) {
			t.Fatalf("%s: -o json and -o yaml differ\njson: %s\nyaml: %s", name, jsonOut, yamlOut)
		}
		if c.ours {
			snakeKeys(t, jv, name)
		}
	}
}

// stripStderr drops the "siectl: …" line Main writes to stderr on exit 1.
func stripStderr(out string) string {
	if i := strings.LastIndex(out, "siectl: "); i >= 0 {
		return out[:i]
	}
	return out
}

func TestYAMLOutputQuotesWhatYAML11WouldRetype(t *testing.T) {
	var out strings.Builder
	o := &options{output: "yaml", stdout: &out}
	must(t, o.print(map[string]any{"a": "yes", "b": "0777", "c": "1:30", "d": 1.5, "e": nil}))
	for _, want := range []string{"a: 'yes'", "b: '0777'", "c: '1:30'", "d: 1.5", "e: null"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("YAML %q lacks %q", out.String(), want)
		}
	}
}
