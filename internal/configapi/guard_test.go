package configapi_test

// Body decoding over HTTP: the YAML dialect and its guard (D3f, §6), the
// validation rules of §5.5, and the D3e list of client inputs that must
// never produce a 500.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/yamldoc"
)

func validation(msg string) string {
	return `{"detail":{"error":"validation_error","details":[{"message":` + jsonString(msg) + `}]}}`
}

type guardCase struct {
	Scalar  string `json:"scalar"`
	Verdict string `json:"verdict"`
	Y12     struct {
		Type string `json:"type"`
	} `json:"yaml_1_2_core"`
}

// TestYAMLGuardVectorsOverHTTP runs every case of
// testdata/vectors/yaml_guard.json through POST, as a profile value and as
// a mapping key: rejected scalars → 422 "… quote it" at the right
// position; accepted ones are not refused for that reason.
func TestYAMLGuardVectorsOverHTTP(t *testing.T) {
	var file struct{ Cases []guardCase }
	testkit.LoadVector(t, "yaml_guard.json", &file)
	if len(file.Cases) != 86 {
		t.Fatalf("%d cases, want 86", len(file.Cases))
	}
	e := newEnv(t, options{})
	head := "sie_id: g/m%d\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n"
	for i, c := range file.Cases {
		if c.Scalar == "-" { // "x: -" is a block sequence in every YAML parser
			continue
		}
		ambiguous := func(col int) string {
			return validation(fmt.Sprintf("Ambiguous YAML scalar '%s' at line 5, column %d: YAML 1.1 and YAML 1.2 parsers read it differently; quote it", c.Scalar, col))
		}
		// As a value.
		r := e.post(fmt.Sprintf(head, 2*i) + "    x: " + c.Scalar + "\n")
		if c.Verdict == "reject" {
			expect(t, r, 422, ambiguous(8))
		} else if r.status != 201 {
			t.Errorf("value %q: got %d %s, want 201", c.Scalar, r.status, r.body)
		}
		// As a key.
		if c.Scalar == "" {
			continue
		}
		r = e.post(fmt.Sprintf(head, 2*i+1) + "    " + c.Scalar + ": 1\n")
		switch {
		case c.Verdict == "reject":
			expect(t, r, 422, ambiguous(5))
		case c.Y12.Type != "str":
			expect(t, r, 422, validation(fmt.Sprintf("Non-string mapping key '%s' at line 5, column 5; quote it", c.Scalar)))
		case r.status != 201:
			t.Errorf("key %q: got %d %s, want 201", c.Scalar, r.status, r.body)
		}
	}
}

// TestYAMLDialectOverHTTP covers the parse rules of §6.1 and the YAML
// guard rows of §3: duplicate keys, multiple documents, tags, aliases,
// nesting, non-mapping top levels, UTF-8.
func TestYAMLDialectOverHTTP(t *testing.T) {
	e := newEnv(t, options{})
	parseErr := `{"detail":{"error":"parse_error","message":"Invalid YAML: `
	for _, body := range []string{
		"sie_id: a/b\nsie_id: a/c\nprofiles: {}\n",
		"sie_id: a/b\nprofiles:\n  p:\n    adapter_path: x\n    adapter_path: y\n",
		"sie_id: a/b\n---\nsie_id: c/d\n",
		"sie_id: !!python/object:os.system a/b\nprofiles: {}\n",
		"sie_id: a/b\nx: !!binary aGk=\n",
		"sie_id: a/b\nx: !custom 1\n",
		"sie_id: a/b\nx: !!set {a}\n",
		"sie_id: a/b\nx: !!timestamp 2024-01-01\n",
		"{{invalid yaml",
		"sie_id: [unclosed\n",
		"sie_id: a/b\nx: *undefined\n",
		"x: " + strings.Repeat("[", 101) + strings.Repeat("]", 101) + "\n",
	} {
		expectContains(t, e.post(body), 400, parseErr)
	}
	// A tagged non-mapping top level is refused either way (400 parse_error).
	expectContains(t, e.post("!!python/object/apply:os.system [ls]\n"), 400, `{"detail":{"error":"parse_error","message":"`)
	expectContains(t, e.post(strings.Repeat("[", 101)+strings.Repeat("]", 101)+"\n"), 400, `{"detail":{"error":"parse_error","message":"`)
	for _, body := range []string{" \n\t\n", "# only a comment\n", "---\n", "- a\n- b\n", "just a scalar\n", "42\n", "[1, 2]\n", "null\n"} {
		expect(t, e.post(body), 400, errNotMap)
	}
	expect(t, e.post("sie_id: a/b\xff\n"), 400, `{"detail":{"error":"parse_error","message":"Invalid YAML: body is not valid UTF-8"}}`)
	expect(t, e.put("a/b", "\xff"), 400, `{"detail":{"error":"parse_error","message":"Invalid YAML: body is not valid UTF-8"}}`)
	// A byte-order mark is fine; nesting at the limit is fine.
	expectStatus(t, e.post("\ufeff"+docNE), 201)
	deep := "sie_id: deep/m\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    x: " + strings.Repeat("[", 96) + strings.Repeat("]", 96) + "\n"
	expectStatus(t, e.post(deep), 201)
	// Core tags are allowed and typed by them.
	expectStatus(t, e.post("sie_id: !!str tagged/m\nprofiles:\n  default:\n    adapter_path: !!str sie_server.adapters.bert_flash:B\n    max_batch_tokens: !!int 8\n    x: !!str yes\n"), 201)
	// JSON bodies go through the same guard (§6.3).
	expect(t, e.post(`{"sie_id":"j/m","profiles":{"default":{"adapter_path":"sie_server.adapters.bert_flash:B","x":1e5}}}`), 422,
		validation("Ambiguous YAML scalar '1e5' at line 1, column 94: YAML 1.1 and YAML 1.2 parsers read it differently; quote it"))
	expectStatus(t, e.post(`{"sie_id":"j/m","profiles":{"default":{"adapter_path":"sie_server.adapters.bert_flash:B","x":1.0e+5}}}`), 201)
}

// TestBillionLaughs: alias expansion beyond 10,000 nodes → 400, quickly.
func TestBillionLaughs(t *testing.T) {
	e := newEnv(t, options{})
	var b strings.Builder
	b.WriteString("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	b.WriteString("sie_id: lol/m\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    x: *a9\n")
	start := time.Now()
	expectContains(t, e.post(b.String()), 400, `{"detail":{"error":"parse_error","message":"Invalid YAML: `)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
	// Modest aliasing is fine.
	expectStatus(t, e.post("sie_id: al/m\nbase: &b {adapter_path: sie_server.adapters.bert_flash:B}\nprofiles:\n  default: *b\n"), 201)
}

// TestNo500 is the D3e list (upstream-tests.md §3 "no 500") plus the other
// shapes of the same inputs.
func TestNo500(t *testing.T) {
	e := newEnv(t, options{models: seedOnly()})
	prof := "profiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n"
	cases := []struct {
		name   string
		method string
		path   string
		body   string
		status int
		want   string // exact body; "" → only the status
	}{
		{"sie_id 123", "POST", "/v1/configs/models", "sie_id: 123\n" + prof, 422, validation("Field 'sie_id' must be a string")},
		{"sie_id true", "POST", "/v1/configs/models", "sie_id: true\n" + prof, 422, validation("Field 'sie_id' must be a string")},
		{"sie_id 1.5", "POST", "/v1/configs/models", "sie_id: 1.5\n" + prof, 422, validation("Field 'sie_id' must be a string")},
		{"sie_id list", "POST", "/v1/configs/models", "sie_id: [a]\n" + prof, 422, validation("Field 'sie_id' must be a string")},
		{"sie_id map", "POST", "/v1/configs/models", "sie_id: {a: b}\n" + prof, 422, validation("Field 'sie_id' must be a string")},
		{"sie_id false", "POST", "/v1/configs/models", "sie_id: false\n" + prof, 422, errNoSieID},
		{"sie_id 0", "POST", "/v1/configs/models", "sie_id: 0\n" + prof, 422, errNoSieID},
		{"sie_id null", "POST", "/v1/configs/models", "sie_id:\n" + prof, 422, errNoSieID},
		{"sie_id empty", "POST", "/v1/configs/models", "sie_id: ''\n" + prof, 422, errNoSieID},
		{"sie_id 123 PUT", "PUT", "/v1/configs/models/a/b", "sie_id: 123\n" + prof, 422, validation("Field 'sie_id' must be a string")},
		{"adapter_path 5", "POST", "/v1/configs/models", "sie_id: a/b\nprofiles:\n  default:\n    adapter_path: 5\n", 422, validation("Profile 'default': adapter_path must be a string")},
		{"adapter_path list", "POST", "/v1/configs/models", "sie_id: a/b\nprofiles:\n  default:\n    adapter_path: [x]\n", 422, validation("Profile 'default': adapter_path must be a string")},
		{"adapter_path false", "PUT", "/v1/configs/models/a/b", "sie_id: a/b\nprofiles:\n  default:\n    adapter_path: false\n", 422, validation("Profile 'default': adapter_path must be a string")},
		{"resolve [1]", "POST", "/v1/configs/resolve", "[1]", 400, `{"detail":{"error":"parse_error","message":"Invalid JSON: expected an object"}}`},
		{"resolve string", "POST", "/v1/configs/resolve", `"x"`, 400, `{"detail":{"error":"parse_error","message":"Invalid JSON: expected an object"}}`},
		{"resolve null", "POST", "/v1/configs/resolve", `null`, 400, `{"detail":{"error":"parse_error","message":"Invalid JSON: expected an object"}}`},
		{"resolve model 5", "POST", "/v1/configs/resolve", `{"model": 5}`, 400, `{"detail":{"error":"invalid_model_spec","message":"'model' must be a string"}}`},
		{"resolve model list", "POST", "/v1/configs/resolve", `{"model": ["a"]}`, 400, `{"detail":{"error":"invalid_model_spec","message":"'model' must be a string"}}`},
		{"resolve bundle 5", "POST", "/v1/configs/resolve", `{"model": "test/model", "bundle": 5}`, 400, `{"detail":{"error":"invalid_model_spec","message":"'bundle' must be a string or null"}}`},
		{"resolve \\xff", "POST", "/v1/configs/resolve", "\xff", 400, ""},
		{"body \\xff", "POST", "/v1/configs/models", "\xff", 400, `{"detail":{"error":"parse_error","message":"Invalid YAML: body is not valid UTF-8"}}`},
		{"sie_id a__b", "POST", "/v1/configs/models", "sie_id: a__b\n" + prof, 400, `{"detail":{"error":"invalid_model_id","message":"Model ID must not contain '__' (reserved for store file names)."}}`},
		{"path a__b GET", "GET", "/v1/configs/models/a__b", "", 400, `{"detail":{"error":"invalid_model_id","message":"Model ID must not contain '__' (reserved for store file names)."}}`},
		{"path a__b DELETE", "DELETE", "/v1/configs/models/org/a__b", "", 400, `{"detail":{"error":"invalid_model_id","message":"Model ID must not contain '__' (reserved for store file names)."}}`},
		{"profile name 1", "POST", "/v1/configs/models", "sie_id: a/b\nprofiles:\n  1:\n    adapter_path: sie_server.adapters.bert_flash:B\n", 422, validation("Non-string mapping key '1' at line 3, column 3; quote it")},
		{"profile name true", "POST", "/v1/configs/models", "sie_id: a/b\nprofiles:\n  true:\n    adapter_path: sie_server.adapters.bert_flash:B\n", 422, validation("Non-string mapping key 'true' at line 3, column 3; quote it")},
		{"top-level int key", "POST", "/v1/configs/models", "sie_id: a/b\n5: x\n" + prof, 422, validation("Non-string mapping key '5' at line 2, column 1; quote it")},
		{"huge int", "POST", "/v1/configs/models", "sie_id: a/b\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 99999999999999999999\n", 422, validation("Integer '99999999999999999999' at line 5, column 23 is outside the signed 64-bit range")},
		{"huge negative int", "POST", "/v1/configs/models", "sie_id: a/b\nx: -9223372036854775809\n" + prof, 422, validation("Integer '-9223372036854775809' at line 2, column 4 is outside the signed 64-bit range")},
		{"non-ASCII bearer", "GET", "/v1/configs/models", "", 200, ""}, // auth off: header ignored
	}
	for _, c := range cases {
		r := e.do(c.method, c.path, c.body, "Authorization", "Bearer é")
		if c.want != "" {
			expect(t, r, c.status, c.want)
		} else {
			expectStatus(t, r, c.status)
		}
	}
	if e.metric("sie_config_http_requests_total", map[string]string{"method": "POST", "path": "/v1/configs/models", "status": "500"}) != 0 {
		t.Fatal("a 500 was counted")
	}
}

// TestValidationRules covers §5.5 rules 1–5 with their exact messages.
func TestValidationRules(t *testing.T) {
	e := newEnv(t, options{})
	missingProfiles := validation("Missing required field: profiles")
	for _, v := range []string{"", " null", " false", " 0", " ''", " []", " {}"} {
		expect(t, e.post("sie_id: a/b\nprofiles:"+v+"\n"), 422, missingProfiles)
	}
	expect(t, e.post("sie_id: a/b\n"), 422, missingProfiles)
	notMapping := validation("Field 'profiles' must be a mapping of profile_name -> profile_config")
	for _, v := range []string{"[a]", "x", "1", "true"} {
		expect(t, e.post("sie_id: a/b\nprofiles: "+v+"\n"), 422, notMapping)
	}
	expect(t, e.post("sie_id: a/b\nprofiles:\n  ok:\n    adapter_path: sie_server.adapters.bert_flash:B\n  bad: 1\n"), 422, validation("Profile 'bad' must be a mapping"))
	expect(t, e.post("sie_id: a/b\nprofiles:\n  bad: [x]\n"), 422, validation("Profile 'bad' must be a mapping"))
	for _, p := range []string{"{}", "{adapter_path: null}", "{adapter_path: ''}", "{adapter_path: '', extends: ''}", "{extends: null}", "{max_batch_tokens: 5}"} {
		expect(t, e.post("sie_id: a/b\nprofiles:\n  p: "+p+"\n"), 422, validation("Profile 'p' missing adapter_path"))
	}
	// Rule 5 before 7a, modules sorted; rule 4 before rule 5.
	expect(t, e.post("sie_id: a/b\nprofiles:\n  p:\n    adapter_path: z.mod:Z\n  q:\n    adapter_path: a.mod\n"), 422, validation("Adapter(s) not in any known bundle: a.mod, z.mod"))
	expect(t, e.post("sie_id: a/b\nprofiles:\n  p:\n    adapter_path: z.mod:Z\n  q: {}\n"), 422, validation("Profile 'q' missing adapter_path"))
	// Not checked: unknown keys, missing max_batch_tokens, no default
	// profile, dangling extends.
	expectStatus(t, e.post("sie_id: a/b\nanything: [1, {x: z}]\nprofiles:\n  custom:\n    adapter_path: sie_server.adapters.bert_flash\n    unknown_key: 1\n  e:\n    extends: nowhere\n"), 201)
	// Rule 7b: an append that creates only profiles owned by no bundle is
	// impossible once the model routes, so it never fires for a routable
	// model; an extends-only append is accepted (upstream #56).
	if e.epoch() != 1 {
		t.Fatal("epoch")
	}
}

// TestEmittedYAMLRoundTrips: a document with strings that look like other
// types and small floats is emitted (GET without a store) as YAML that
// parses back to the same data under the guard, i.e. identically under
// PyYAML and YAML 1.2 (§3 "YAML guard", last item).
func TestEmittedYAMLRoundTrips(t *testing.T) {
	e := newEnv(t, options{})
	body := `{"sie_id":"emit/m","s":"yes","t":"1:30","f":1.0e-05,"n":"0777","e":"","q":"it's \"q\"","u":"é\u2028","nl":"a\nb","profiles":{"default":{"adapter_path":"sie_server.adapters.bert_flash:B","big":1.0e+16,"neg":-0.0,"inf":.inf}}}`
	expectStatus(t, e.post(body), 201)
	want, err := yamldoc.Parse([]byte(body))
	must(t, err)
	text := e.get("/v1/configs/models/emit/m").body
	got, err := yamldoc.Parse([]byte(text))
	if err != nil {
		t.Fatalf("emitted YAML does not parse: %v\n%s", err, text)
	}
	if !doc.Equal(got, want) {
		t.Fatalf("round trip differs:\n%s", text)
	}
	for _, line := range []string{"s: 'yes'", "f: 1.0e-05", "big: 1.0e+16"} {
		if !strings.Contains(text, line) && !strings.Contains(text, strings.ReplaceAll(line, "'", `"`)) {
			t.Errorf("emitted YAML lacks %q:\n%s", line, text)
		}
	}
}
