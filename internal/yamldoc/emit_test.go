package yamldoc

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/testkit"
)

func roundTrip(t *testing.T, v *doc.Map) []byte {
	t.Helper()
	out := Emit(v)
	back, err := Parse(out)
	if err != nil {
		t.Fatalf("re-parse: %v\n%s", err, out)
	}
	if !same(v, back) {
		t.Fatalf("round trip differs:\n%s", out)
	}
	return out
}

func TestEmitSpecExample(t *testing.T) {
	m := doc.NewMap(
		doc.Entry{Key: "s", Value: "yes"},
		doc.Entry{Key: "t", Value: "1:30"},
		doc.Entry{Key: "f", Value: 1e-05},
	)
	got := string(roundTrip(t, m))
	want := "s: 'yes'\nt: '1:30'\nf: 1.0e-05\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestEmitLayout(t *testing.T) {
	m := doc.NewMap(
		doc.Entry{Key: "name", Value: "org/model"},
		doc.Entry{Key: "n", Value: nil},
		doc.Entry{Key: "flags", Value: []any{true, false, int64(-3), 100.0}},
		doc.Entry{Key: "empty", Value: doc.NewMap()},
		doc.Entry{Key: "none", Value: []any{}},
		doc.Entry{Key: "profiles", Value: doc.NewMap(
			doc.Entry{Key: "default", Value: doc.NewMap(
				doc.Entry{Key: "adapter", Value: "sie_server.adapters.bert_flash:BertFlashAdapter"},
				doc.Entry{Key: "tags", Value: []any{"a", "b"}},
			)},
		)},
		doc.Entry{Key: "items", Value: []any{
			doc.NewMap(doc.Entry{Key: "k", Value: "v"}, doc.Entry{Key: "l", Value: []any{int64(1)}}),
			[]any{"x", []any{"y"}},
			doc.NewMap(),
			[]any{},
		}},
	)
	want := `name: org/model
'n': null
flags:
- true
- false
- -3
- 100.0
empty: {}
none: []
profiles:
  default:
    adapter: sie_server.adapters.bert_flash:BertFlashAdapter
    tags:
    - a
    - b
items:
- k: v
  l:
  - 1
- - x
  - - 'y'
- {}
- []
`
	if got := string(roundTrip(t, m)); got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestEmitScalars(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{0.1, "0.1"}, {100.0, "100.0"}, {1e-05, "1.0e-05"}, {1e16, "1.0e+16"}, {1.5e16, "1.5e+16"},
		{1e15, "1000000000000000.0"}, {0.0001, "0.0001"}, {math.Copysign(0, -1), "-0.0"}, {5e-324, "5.0e-324"},
		{math.Inf(1), ".inf"}, {math.Inf(-1), "-.inf"}, {math.NaN(), ".nan"},
		{int64(math.MinInt64), "-9223372036854775808"}, {nil, "null"}, {true, "true"},
		{"", "''"}, {"abc", "abc"}, {"1", "'1'"}, {"y", "'y'"}, {"0777", "'0777'"}, {"1e5", "'1e5'"},
		{"true", "'true'"}, {"null", "'null'"}, {"2024-01-01", "'2024-01-01'"}, {"<<", "'<<'"},
		{"=", "'='"}, {"-", "'-'"}, {"a: b", "'a: b'"}, {"a #b", "'a #b'"}, {"a:", "'a:'"},
		{" lead", "' lead'"}, {"trail ", "'trail '"}, {"it's", "it's"}, {"'q", "'''q'"}, {"...", "'...'"},
		{"---", "'---'"}, {"#x", "'#x'"}, {"@x", "'@x'"}, {">=4.57", "'>=4.57'"}, {"a:b", "a:b"},
		{"a#b", "a#b"}, {"héllo wörld", "héllo wörld"}, {"2024-1-1", "2024-1-1"}, {"NaN", "NaN"},
		{"two\nlines", `"two\nlines"`}, {"tab\there", `"tab\there"`}, {"q\"\\\x01", `"q\"\\\x01"`},
		{"\u2028", `"\u2028"`}, {"\ufeffx", `"\uFEFFx"`}, {"\U0001F600", "\U0001F600"},
		{"\U000E0001", `"\U000E0001"`}, {"nbsp\u00a0", `"nbsp\xA0"`}, {"bad\xff", `"bad\uFFFD"`},
	}
	for _, c := range cases {
		if got := inline(c.v); got != c.want {
			t.Errorf("%#v: got %s, want %s", c.v, got, c.want)
		}
		if s, ok := c.v.(string); ok && !strings.Contains(s, "\xff") {
			roundTrip(t, doc.NewMap(doc.Entry{Key: s, Value: s}))
		}
	}
}

func TestEmitLongKey(t *testing.T) {
	long := strings.Repeat("k", 1500)
	m := doc.NewMap(
		doc.Entry{Key: long, Value: "v"},
		doc.Entry{Key: "x", Value: []any{doc.NewMap(
			doc.Entry{Key: long, Value: []any{int64(1)}},
			doc.Entry{Key: long + "2", Value: doc.NewMap(doc.Entry{Key: "a", Value: int64(1)})},
		)}},
	)
	roundTrip(t, m)
}

func TestEmitValue(t *testing.T) {
	if got := string(EmitValue([]any{"a", int64(1)})); got != "- a\n- 1\n" {
		t.Fatalf("list: %q", got)
	}
	if got := string(EmitValue("yes")); got != "'yes'\n" {
		t.Fatalf("scalar: %q", got)
	}
	if got := string(Emit(doc.NewMap())); got != "{}\n" {
		t.Fatalf("empty: %q", got)
	}
}

// float_format.json pins Python's repr; it lives in the shared spec only.
func TestPyReprVectors(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testkit.SharedDir(t, "spec/vectors"), "float_format.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []struct {
			Bits       string `json:"bits"`
			PythonRepr string `json:"python_repr"`
		}
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	for _, c := range file.Cases {
		bits, err := strconv.ParseUint(c.Bits, 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		f := math.Float64frombits(bits)
		if got := pyRepr(f); got != c.PythonRepr {
			t.Errorf("%s: got %s, want %s", c.Bits, got, c.PythonRepr)
		}
		if math.IsNaN(f) {
			continue
		}
		roundTrip(t, doc.NewMap(doc.Entry{Key: "f", Value: f}))
	}
}

// Radix-prefixed and underscored number-like strings are quoted, so no
// YAML reader takes them for numbers (yaml.v3 reads "0_8" as 8).
func TestEmitQuotesRadixPrefixedStrings(t *testing.T) {
	for _, s := range []string{"0B0", "0X1F", "-0O7", "+0b1", "0x", "0_8", "+0__8", "1_a"} {
		m := doc.NewMap(doc.Entry{Key: "v", Value: s})
		out := string(Emit(m))
		want := "v: '" + s + "'\n"
		if s == "0x" {
			want = "v: '0x'\n"
		}
		if out != want {
			t.Errorf("%q emitted as %q, want %q", s, out, want)
		}
	}
}
