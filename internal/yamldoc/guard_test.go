package yamldoc

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/sieproject/sie/internal/testkit"
)

type guardVector struct {
	Scalar  string   `json:"scalar"`
	Verdict string   `json:"verdict"`
	Y11     readings `json:"yaml_1_1_pyyaml"`
	Y12     readings `json:"yaml_1_2_core"`
}

type readings struct {
	Type  string `json:"type"`
	Value any    `json:"value"`
}

func loadGuardVectors(t *testing.T) []guardVector {
	t.Helper()
	var file struct{ Cases []guardVector }
	testkit.LoadVector(t, "yaml_guard.json", &file)
	if len(file.Cases) != 86 {
		t.Fatalf("got %d cases, want 86", len(file.Cases))
	}
	return file.Cases
}

// checkReading compares one resolver's reading with the vector's, using the
// vector's conventions: floats as Python repr, timestamps by type only.
func checkReading(t *testing.T, dialect string, got scalar, text string, want readings) {
	t.Helper()
	if got.kind.String() != want.Type {
		t.Errorf("%q %s: kind %s, want %s", text, dialect, got.kind, want.Type)
		return
	}
	var value any
	switch got.kind {
	case kStr, kMerge, kValue:
		value = text
	case kBool:
		value = got.b
	case kInt:
		value = json.Number(got.i.String())
	case kFloat:
		value = pyRepr(got.f)
	case kNull, kTimestamp:
		return
	}
	wantValue := want.Value
	if n, ok := wantValue.(float64); ok {
		wantValue = json.Number(fmt.Sprint(int64(n)))
	}
	if fmt.Sprint(value) != fmt.Sprint(wantValue) {
		t.Errorf("%q %s: value %v, want %v", text, dialect, value, wantValue)
	}
}

func TestGuardVectors(t *testing.T) {
	for _, c := range loadGuardVectors(t) {
		checkReading(t, "yaml 1.1", resolve11(c.Scalar), c.Scalar, c.Y11)
		checkReading(t, "yaml 1.2", resolve12(c.Scalar), c.Scalar, c.Y12)
		if got := ambiguous(c.Scalar); got != (c.Verdict == "reject") {
			t.Errorf("%q: ambiguous=%v, verdict %s", c.Scalar, got, c.Verdict)
		}
		if c.Scalar == "-" {
			continue // "x: -" is a block sequence in every YAML parser
		}
		body := "model: m\nx: " + c.Scalar + "\n"
		m, err := Parse([]byte(body))
		if c.Verdict == "reject" {
			want := fmt.Sprintf("Ambiguous YAML scalar '%s' at line 2, column 4: YAML 1.1 and YAML 1.2 parsers read it differently; quote it", c.Scalar)
			var ge *GuardError
			if !errors.As(err, &ge) || ge.Message != want {
				t.Errorf("%q: err %v, want %s", c.Scalar, err, want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.Scalar, err)
			continue
		}
		v, _ := m.Get("x")
		checkValue(t, c.Scalar, v, c.Y12)
	}
}

func checkValue(t *testing.T, text string, v any, want readings) {
	t.Helper()
	ok := false
	switch want.Type {
	case "null":
		ok = v == nil
	case "bool":
		ok = v == want.Value
	case "int":
		i, isInt := v.(int64)
		ok = isInt && float64(i) == want.Value
	case "float":
		f, isFloat := v.(float64)
		ok = isFloat && (pyRepr(f) == want.Value || math.IsNaN(f) && want.Value == "nan")
	case "str":
		ok = v == want.Value
	}
	if !ok {
		t.Errorf("%q: parsed %#v, want %s %v", text, v, want.Type, want.Value)
	}
}

func TestGuardMessages(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a: 1\nyes: 2\n", "Ambiguous YAML scalar 'yes' at line 2, column 1: YAML 1.1 and YAML 1.2 parsers read it differently; quote it"},
		{"profiles:\n  1: x\n", "Non-string mapping key '1' at line 2, column 3; quote it"},
		{"a: {true: 1}\n", "Non-string mapping key 'true' at line 1, column 5; quote it"},
		{"a:\n  ? \n  : 1\n", "Non-string mapping key '' at line 2, column 4; quote it"},
		{"a: 1.5\n3.5: x\n", "Non-string mapping key '3.5' at line 2, column 1; quote it"},
		{"a: ~\nnull: 1\n", "Non-string mapping key 'null' at line 2, column 1; quote it"},
		{"a: 9223372036854775808\n", "Integer '9223372036854775808' at line 1, column 4 is outside the signed 64-bit range"},
		{"a: [-9223372036854775809]\n", "Integer '-9223372036854775809' at line 1, column 5 is outside the signed 64-bit range"},
		{"a: 0x8000000000000000\n", "Integer '0x8000000000000000' at line 1, column 4 is outside the signed 64-bit range"},
		{"a: !!int 9223372036854775808\n", "Integer '9223372036854775808' at line 1, column 4 is outside the signed 64-bit range"},
		{"base: &b {x: 1}\nm:\n  <<: *b\n", "Ambiguous YAML scalar '<<' at line 3, column 3: YAML 1.1 and YAML 1.2 parsers read it differently; quote it"},
		// First offence in document order, key before value.
		{"a: [1, on, 0777]\n", "Ambiguous YAML scalar 'on' at line 1, column 8: YAML 1.1 and YAML 1.2 parsers read it differently; quote it"},
		{"1: on\n", "Non-string mapping key '1' at line 1, column 1; quote it"},
		{"no: 1\n", "Ambiguous YAML scalar 'no' at line 1, column 1: YAML 1.1 and YAML 1.2 parsers read it differently; quote it"},
		// An alias key is judged as a key where the alias stands.
		{"a: &k 5\n*k : x\n", "Non-string mapping key '5' at line 2, column 1; quote it"},
		{"a: !!int 5\n!!float 1: x\n", "Non-string mapping key '1' at line 2, column 1; quote it"},
		{"é: [y]\n", "Ambiguous YAML scalar 'y' at line 1, column 5: YAML 1.1 and YAML 1.2 parsers read it differently; quote it"},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.in))
		var ge *GuardError
		if !errors.As(err, &ge) || ge.Error() != c.want {
			t.Errorf("%q: got %v, want %s", c.in, err, c.want)
		}
	}
}

func TestGuardAccepts(t *testing.T) {
	for _, in := range []string{
		"'1': x\n\"yes\": yy\n!!str 2: z\n",
		"a: 'yes'\nb: \"0777\"\nc: !!str on\nd: |\n  no\ne: >\n  1:30\n",
		"a: 9223372036854775807\nb: -9223372036854775808\n",
		"a: &v 1\nb: *v\n",
	} {
		if _, err := Parse([]byte(in)); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
}
