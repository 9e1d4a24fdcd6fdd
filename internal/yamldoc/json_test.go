package yamldoc

import (
	"errors"
	"testing"

	"github.com/sieproject/sie/internal/doc"
)

// §6.3: a JSON body is parsed as YAML, so the guard applies to it too.
func TestJSONBodies(t *testing.T) {
	m, err := Parse([]byte(`{"name":"m","n":-1,"f":1.5E+10,"b":[true,false,null],"o":{"k":"v\u00e9\n"},"e":[],"x":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := doc.NewMap(
		doc.Entry{Key: "name", Value: "m"},
		doc.Entry{Key: "n", Value: int64(-1)},
		doc.Entry{Key: "f", Value: 1.5e10},
		doc.Entry{Key: "b", Value: []any{true, false, nil}},
		doc.Entry{Key: "o", Value: doc.NewMap(doc.Entry{Key: "k", Value: "vé\n"})},
		doc.Entry{Key: "e", Value: []any{}},
		doc.Entry{Key: "x", Value: doc.NewMap()},
	)
	if !same(m, want) {
		t.Fatalf("got %s", EmitValue(m))
	}
	_, err = Parse([]byte(`{"x": 1e5}`))
	var ge *GuardError
	if !errors.As(err, &ge) || ge.Message != "Ambiguous YAML scalar '1e5' at line 1, column 7: YAML 1.1 and YAML 1.2 parsers read it differently; quote it" {
		t.Fatalf("got %v", err)
	}
	_, err = Parse([]byte(`{"a": 1, "a": 2}`))
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("duplicate JSON key: got %v", err)
	}
	if _, err := Parse([]byte("{\n\t\"a\": 1\n}\n")); err != nil {
		t.Fatalf("tab-indented JSON: %v", err)
	}
}
