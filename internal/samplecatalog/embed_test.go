package samplecatalog_test

import (
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/samplecatalog"
	"github.com/sieproject/sie/internal/workerview"
)

func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := fs.ReadDir(samplecatalog.FS, dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".yaml") {
			t.Errorf("%s/%s: not a .yaml file", dir, e.Name())
			continue
		}
		b, err := samplecatalog.FS.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// --- a compact restatement of the plain-scalar guard (sie-config.md §6.2) ---

var (
	re12Null  = regexp.MustCompile(`^(null|Null|NULL|~|)$`)
	re12Bool  = regexp.MustCompile(`^(true|True|TRUE|false|False|FALSE)$`)
	re12Int   = regexp.MustCompile(`^([-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$`)
	re12Float = regexp.MustCompile(`^([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$`)

	re11Bool  = regexp.MustCompile(`^(yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	re11Float = regexp.MustCompile(`^([-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?|\.[0-9][0-9_]*([eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$`)
	re11Int   = regexp.MustCompile(`^([-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+)$`)
	re11Null  = regexp.MustCompile(`^(~|null|Null|NULL|)$`)
	re11Time  = regexp.MustCompile(`^([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)$`)
)

// resolve12 and resolve11 give a scalar's type and a comparable value. The
// YAML 1.1 side only needs to be exact for the plain forms this catalog uses;
// anything exotic is reported as its own type so it never compares equal.
func resolve12(s string) (string, string) {
	switch {
	case re12Null.MatchString(s):
		return "null", ""
	case re12Bool.MatchString(s):
		return "bool", strings.ToLower(s)
	case re12Int.MatchString(s):
		var v int64
		var err error
		switch {
		case strings.HasPrefix(s, "0o"):
			v, err = strconv.ParseInt(s[2:], 8, 64)
		case strings.HasPrefix(s, "0x"):
			v, err = strconv.ParseInt(s[2:], 16, 64)
		default:
			v, err = strconv.ParseInt(s, 10, 64)
		}
		if err != nil {
			return "int-overflow", s
		}
		return "int", strconv.FormatInt(v, 10)
	case re12Float.MatchString(s):
		return "float", floatKey(s)
	}
	return "str", s
}

func resolve11(s string) (string, string) {
	switch {
	case re11Bool.MatchString(s):
		switch strings.ToLower(s) {
		case "yes", "true", "on":
			return "bool", "true"
		}
		return "bool", "false"
	case re11Float.MatchString(s):
		if strings.Contains(s, ":") {
			return "float-base60", s
		}
		return "float", floatKey(strings.ReplaceAll(s, "_", ""))
	case re11Int.MatchString(s):
		c := strings.ReplaceAll(s, "_", "")
		if strings.Contains(c, ":") {
			return "int-base60", s
		}
		// Base 0 reads 0x… as hex, 0b… as binary and a leading 0 as octal,
		// as YAML 1.1 does.
		v, err := strconv.ParseInt(c, 0, 64)
		if err != nil {
			return "int-overflow", s
		}
		return "int", strconv.FormatInt(v, 10)
	case s == "<<":
		return "merge", s
	case re11Null.MatchString(s):
		return "null", ""
	case re11Time.MatchString(s):
		return "timestamp", s
	case s == "=":
		return "value", s
	}
	return "str", s
}

func floatKey(s string) string {
	l := strings.ToLower(s)
	switch {
	case strings.HasSuffix(l, "nan"):
		return "nan"
	case strings.HasSuffix(l, "inf"):
		if strings.HasPrefix(l, "-") {
			return "-inf"
		}
		return "+inf"
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) {
		return "bad:" + s
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func guard(t *testing.T, name string, n *yaml.Node, isKey bool) {
	t.Helper()
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			guard(t, name, c, false)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			guard(t, name, n.Content[i], true)
			guard(t, name, n.Content[i+1], false)
		}
	case yaml.AliasNode:
		t.Errorf("%s:%d: aliases are not used in the catalog", name, n.Line)
	case yaml.ScalarNode:
		if n.Style != 0 {
			return // quoted or block scalars are strings in both dialects
		}
		if n.Tag != "" && !strings.HasPrefix(n.Tag, "!!") {
			t.Errorf("%s:%d: tag %s", name, n.Line, n.Tag)
		}
		switch n.Value {
		case "y", "Y", "n", "N":
			t.Errorf("%s:%d:%d: ambiguous scalar %q", name, n.Line, n.Column, n.Value)
			return
		}
		k12, v12 := resolve12(n.Value)
		k11, v11 := resolve11(n.Value)
		if k12 != k11 || v12 != v11 {
			t.Errorf("%s:%d:%d: ambiguous scalar %q (1.2 %s %s, 1.1 %s %s)", name, n.Line, n.Column, n.Value, k12, v12, k11, v11)
		}
		if isKey && k12 != "str" {
			t.Errorf("%s:%d:%d: non-string key %q", name, n.Line, n.Column, n.Value)
		}
	}
}

// --- a compact restatement of the worker strict schema (worker-protocol.md §3) ---

func checkKeys(t *testing.T, where string, m map[string]any, allowed ...string) {
	t.Helper()
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	for k := range m {
		if !ok[k] {
			t.Errorf("%s: key %q not allowed by the worker schema", where, k)
		}
	}
}

func isInt(v any) bool { _, ok := v.(int); return ok }

func checkModel(t *testing.T, file string, m map[string]any) {
	checkKeys(t, file, m, "sie_id", "hf_id", "hf_revision", "weights_path", "package_backed", "inputs", "tasks", "max_sequence_length", "profiles")
	id, _ := m["sie_id"].(string)
	if id == "" {
		t.Fatalf("%s: sie_id must be a non-empty string", file)
	}
	if want := strings.ReplaceAll(id, "/", "__") + ".yaml"; want != file {
		t.Errorf("%s: file name should be %s", file, want)
	}
	if hf, ok := m["hf_id"].(string); !ok || hf == "" {
		t.Errorf("%s: hf_id must be set (models are not package-backed)", file)
	}
	if v, ok := m["max_sequence_length"]; ok && v != nil && !isInt(v) {
		t.Errorf("%s: max_sequence_length must be an int", file)
	}
	if in, ok := m["inputs"]; ok {
		im, ok := in.(map[string]any)
		if !ok {
			t.Errorf("%s: inputs must be a mapping", file)
		}
		checkKeys(t, file+" inputs", im, "text", "image", "audio", "video", "document")
		for k, v := range im {
			if _, ok := v.(bool); !ok {
				t.Errorf("%s: inputs.%s must be a bool", file, k)
			}
		}
	}
	tasks, ok := m["tasks"].(map[string]any)
	if !ok {
		t.Fatalf("%s: tasks must be a mapping", file)
	}
	checkKeys(t, file+" tasks", tasks, "encode", "score", "extract")
	outputs := 0
	if enc, ok := tasks["encode"].(map[string]any); ok {
		checkKeys(t, file+" tasks.encode", enc, "dense", "sparse", "multivector")
		for k, v := range enc {
			if v == nil {
				continue
			}
			d, ok := v.(map[string]any)
			if !ok || len(d) != 1 || !isInt(d["dim"]) {
				t.Errorf("%s: tasks.encode.%s must be null or {dim: int}", file, k)
			}
			outputs++
		}
	} else if tasks["encode"] != nil {
		t.Errorf("%s: tasks.encode must be null or a mapping", file)
	}
	for _, k := range []string{"score", "extract"} {
		if v := tasks[k]; v != nil {
			if mm, ok := v.(map[string]any); !ok || len(mm) != 0 {
				t.Errorf("%s: tasks.%s must be null or {}", file, k)
			}
			outputs++
		}
	}
	if outputs == 0 {
		t.Errorf("%s: the model has no outputs", file)
	}
	profiles, ok := m["profiles"].(map[string]any)
	if !ok {
		t.Fatalf("%s: profiles must be a mapping", file)
	}
	if _, ok := profiles["default"]; !ok {
		t.Errorf("%s: profiles must contain default", file)
	}
	for name, pv := range profiles {
		where := file + " profile " + name
		p, ok := pv.(map[string]any)
		if !ok {
			t.Errorf("%s: must be a mapping", where)
			continue
		}
		checkKeys(t, where, p, "extends", "adapter_path", "max_batch_tokens", "compute_precision", "adapter_options", "adaptive_batching")
		if cp, ok := p["compute_precision"]; ok && cp != nil {
			switch cp {
			case "float16", "bfloat16", "float32":
			default:
				t.Errorf("%s: compute_precision %v", where, cp)
			}
		}
		if ao, ok := p["adapter_options"]; ok {
			aom, ok := ao.(map[string]any)
			if !ok {
				t.Errorf("%s: adapter_options must be a mapping", where)
			}
			checkKeys(t, where+" adapter_options", aom, "loadtime", "runtime")
			for k, v := range aom {
				if _, ok := v.(map[string]any); !ok {
					t.Errorf("%s: adapter_options.%s must be a mapping", where, k)
				}
			}
		}
		if v, ok := p["max_batch_tokens"]; ok && v != nil && !isInt(v) {
			t.Errorf("%s: max_batch_tokens must be an int", where)
		}
		if v, ok := p["adapter_path"]; ok && v != nil {
			if s, ok := v.(string); !ok || !strings.Contains(s, ":") {
				t.Errorf("%s: adapter_path must be \"module:Class\"", where)
			}
		}
		if ext, ok := p["extends"]; ok && ext != nil {
			parent, ok := profiles[str(ext)].(map[string]any)
			if !ok || str(ext) == name {
				t.Errorf("%s: extends %v names no other profile", where, ext)
			} else if parent["extends"] != nil {
				t.Errorf("%s: extends a profile that itself extends", where)
			}
			continue
		}
		if p["adapter_path"] == nil || p["max_batch_tokens"] == nil {
			t.Errorf("%s: a standalone profile needs adapter_path and max_batch_tokens", where)
		}
	}
}

func str(v any) string { s, _ := v.(string); return s }

func modules(m map[string]any) []string {
	var out []string
	for _, pv := range m["profiles"].(map[string]any) {
		if ap, ok := pv.(map[string]any)["adapter_path"].(string); ok {
			out = append(out, strings.SplitN(ap, ":", 2)[0])
		}
	}
	return out
}

func TestCatalog(t *testing.T) {
	bundleFiles := readDir(t, "bundles")
	modelFiles := readDir(t, "models")
	if n := len(bundleFiles); n < 2 || n > 3 {
		t.Errorf("%d bundles, want 2-3", n)
	}
	if n := len(modelFiles); n < 5 || n > 8 {
		t.Errorf("%d models, want 5-8", n)
	}

	adapterBundles := map[string][]string{} // module -> bundles
	bundleNames := []string{}
	for file, data := range bundleFiles {
		var n yaml.Node
		if err := yaml.Unmarshal(data, &n); err != nil {
			t.Fatalf("bundles/%s: %v", file, err)
		}
		guard(t, "bundles/"+file, &n, false)
		var b struct {
			Name     string   `yaml:"name"`
			Priority *int     `yaml:"priority"`
			Adapters []string `yaml:"adapters"`
		}
		if err := yaml.Unmarshal(data, &b); err != nil {
			t.Fatalf("bundles/%s: %v", file, err)
		}
		stem := strings.TrimSuffix(file, ".yaml")
		if b.Name != stem {
			t.Errorf("bundles/%s: name %q differs from the file stem (workers use the stem)", file, b.Name)
		}
		if b.Priority == nil || len(b.Adapters) == 0 {
			t.Errorf("bundles/%s: needs priority and adapters", file)
		}
		for _, a := range b.Adapters {
			if strings.Contains(a, ":") {
				t.Errorf("bundles/%s: adapter %q must be a module path", file, a)
			}
			adapterBundles[a] = append(adapterBundles[a], stem)
		}
		bundleNames = append(bundleNames, stem)
	}

	served := map[string]int{}
	for file, data := range modelFiles {
		var n yaml.Node
		if err := yaml.Unmarshal(data, &n); err != nil {
			t.Fatalf("models/%s: %v", file, err)
		}
		guard(t, "models/"+file, &n, false)
		var m map[string]any
		if err := yaml.Unmarshal(data, &m); err != nil {
			t.Fatalf("models/%s: %v", file, err)
		}
		checkModel(t, file, m)
		set := map[string]bool{}
		for _, mod := range modules(m) {
			if len(adapterBundles[mod]) == 0 {
				t.Errorf("models/%s: module %s is in no bundle (unroutable)", file, mod)
			}
			for _, b := range adapterBundles[mod] {
				set[b] = true
			}
		}
		for b := range set {
			served[b]++
		}
		if m["sie_id"] == "BAAI/bge-m3" && len(set) < 2 {
			t.Errorf("BAAI/bge-m3 should be routable through two bundles, got %v", set)
		}
	}
	sort.Strings(bundleNames)
	for _, b := range bundleNames {
		if served[b] == 0 {
			t.Errorf("bundle %s serves no sample model", b)
		}
	}
}

func TestGuardSelfCheck(t *testing.T) {
	for _, s := range []string{"yes", "No", "on", "0777", "010", "1e5", "1_000", "1:30", "2024-01-01", "=", "<<", "0b101", "0o17", "-.5", "1.5e3"} {
		k12, v12 := resolve12(s)
		k11, v11 := resolve11(s)
		if k12 == k11 && v12 == v11 {
			t.Errorf("%q should be ambiguous", s)
		}
	}
	for _, s := range []string{"true", "null", "~", "00", "+1", "0x1F", "1.", ".5", "1.0e+5", "1.5e-3", ".inf", ".NaN", "8192", "2024-1-1", "0.85", "bfloat16"} {
		k12, v12 := resolve12(s)
		k11, v11 := resolve11(s)
		if k12 != k11 || v12 != v11 {
			t.Errorf("%q should be accepted (1.2 %s %s, 1.1 %s %s)", s, k12, v12, k11, v11)
		}
	}
}

func TestWriteTo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "catalog")
	if err := samplecatalog.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	// Idempotent: a second run overwrites.
	if err := samplecatalog.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	for _, sub := range samplecatalog.Dirs {
		want := readDir(t, sub)
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != len(want) {
			t.Errorf("%s: %d files written, want %d", sub, len(entries), len(want))
		}
		for name, data := range want {
			got, err := os.ReadFile(filepath.Join(dir, sub, name))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(data) {
				t.Errorf("%s/%s differs", sub, name)
			}
		}
	}
}

// TestProjectParsers runs the catalog through the project's own readers: the
// YAML dialect with its guard, the bundle and seed rules, and the worker
// strict schema (a simulated worker must hold every model in full form).
func TestProjectParsers(t *testing.T) {
	for file, data := range readDir(t, "bundles") {
		stem := strings.TrimSuffix(file, ".yaml")
		b, err := catalog.ParseBundle(stem, data)
		if err != nil {
			t.Errorf("bundles/%s: %v", file, err)
			continue
		}
		if b.Name != stem || len(b.Adapters) == 0 {
			t.Errorf("bundles/%s: name %q, %d adapters", file, b.Name, len(b.Adapters))
		}
	}
	for file, data := range readDir(t, "models") {
		seed, ok, err := catalog.ParseSeed(data)
		if err != nil || !ok {
			t.Errorf("models/%s: not a seed (ok=%v): %v", file, ok, err)
			continue
		}
		if problems := workerview.SchemaProblems(seed.Doc); len(problems) != 0 {
			t.Errorf("models/%s: fails the worker strict schema: %v", file, problems)
		}
	}
}
