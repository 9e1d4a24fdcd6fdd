package siectl

import (
	"encoding/json"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/sieproject/sie/internal/yamldoc"
)

// FuzzParseAPIError: any error body gives a one-line human message that is
// never a JSON dump.
func FuzzParseAPIError(f *testing.F) {
	for _, s := range []string{
		`{"detail":"Missing Authorization header"}`,
		`{"detail":{"error":"validation_error","details":[{"message":"a"},{"message":"b"}]}}`,
		`{"detail":{"error":"precondition_failed","model_id":"m","current_etag":null,"message":"x"}}`,
		`{"message":"Model 'x' not found"}`, `{"detail":5}`, `[1,2]`, "plain text\nsecond line", "", `{"detail":{"error":7}}`,
	} {
		f.Add(404, s)
	}
	f.Fuzz(func(t *testing.T, status int, body string) {
		e := parseAPIError(status, []byte(body))
		line := e.Error()
		if trimmed := strings.TrimSpace(body); json.Valid([]byte(body)) && strings.HasPrefix(trimmed, "{") && len(trimmed) > 2 && strings.Contains(line, trimmed) {
			t.Fatalf("JSON dumped: %q", line) // only a non-JSON body is echoed
		}
		if strings.Contains(line, "\n") {
			t.Fatalf("not one line: %q", line)
		}
		if !strings.HasPrefix(line, "HTTP ") {
			t.Fatalf("line %q", line)
		}
	})
}

// FuzzYAMLOutput: any JSON the servers could send converts to YAML that
// reads back (YAML 1.2) with the same keys in the same order.
func FuzzYAMLOutput(f *testing.F) {
	for _, s := range []string{
		`{"a":"yes","b":[1,2.5,null,true],"c":{"d":"0777","e":"1:30"},"f":""}`,
		`[{"x":"# not a comment"},"- dash",":colon"]`, `{"n":12345678901234567890,"u":"\u2028\ud83d\ude00"}`, `"scalar"`, `{}`, `"0_8"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		v, err := decodeOrdered([]byte(in))
		if err != nil {
			return
		}
		out := yamldoc.EmitValue(v)
		var node yaml.Node
		if err := yaml.Unmarshal(out, &node); err != nil {
			t.Fatalf("%q → unreadable YAML %q: %v", in, out, err)
		}
		if back := fromYAMLNode(t, &node); !sameShape(v, back) {
			t.Fatalf("%q → %q reads back differently", in, out)
		}
	})
}

// FuzzUnifiedDiff: no panic; equal texts give no diff; every line of
// either side appears in the diff of a text against nothing.
func FuzzUnifiedDiff(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nc\nd\n")
	f.Add("", "x\n")
	f.Add("same\n", "same\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		if len(a) > 4000 || len(b) > 4000 {
			return
		}
		d := unifiedDiff(a, b, "a", "b")
		if (a == b) != (d == "") {
			t.Fatalf("diff of %q and %q: %q", a, b, d)
		}
		added := 0
		for _, l := range strings.Split(d, "\n") {
			if strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "+++ ") {
				added++
			}
		}
		if a == "" && b != "" && added != len(splitLines(b)) {
			t.Fatalf("diff from nothing lists %d of %d lines", added, len(splitLines(b)))
		}
	})
}
