package yamldoc

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/doc"
)

func TestParseValues(t *testing.T) {
	m, err := Parse([]byte(`
name: m
i: 8192
neg: -1
hex: 0x1F
f: 1.0e-05
g: 1.
inf: -.inf
nan: .nan
b: true
nul: ~
e:
s: 'yes'
d: "a\tb"
lit: |
  line1
  line2
tagged: [!!str 123, !!int "5", !!float 1, !!bool "true", !!null ""]
list: [a, {k: v}, []]
empty: {}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []doc.Entry{
		{Key: "name", Value: "m"},
		{Key: "i", Value: int64(8192)},
		{Key: "neg", Value: int64(-1)},
		{Key: "hex", Value: int64(31)},
		{Key: "f", Value: 1e-05},
		{Key: "g", Value: 1.0},
		{Key: "inf", Value: math.Inf(-1)},
		{Key: "nan", Value: math.NaN()},
		{Key: "b", Value: true},
		{Key: "nul", Value: nil},
		{Key: "e", Value: nil},
		{Key: "s", Value: "yes"},
		{Key: "d", Value: "a\tb"},
		{Key: "lit", Value: "line1\nline2\n"},
		{Key: "tagged", Value: []any{"123", int64(5), 1.0, true, nil}},
		{Key: "list", Value: []any{"a", doc.NewMap(doc.Entry{Key: "k", Value: "v"}), []any{}}},
		{Key: "empty", Value: doc.NewMap()},
	}
	if !same(m, doc.NewMap(want...)) {
		t.Fatalf("got %s", EmitValue(m))
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"utf8", "a: \xff\n", "Invalid YAML: body is not valid UTF-8"},
		{"utf16", "\xff\xfea\x00:\x00", "Invalid YAML: body is not valid UTF-8"},
		{"scalar", "hello\n", msgNotMapping},
		{"list", "- a\n", msgNotMapping},
		{"quoted empty", "''\n", msgNotMapping},
		{"syntax", "a: [1, 2\n", "Invalid YAML: "},
		{"two docs", "a: 1\n---\nb: 2\n", "Invalid YAML: "},
		{"trailing doc", "a: 1\n---\n", "Invalid YAML: "},
		{"bad second doc", "a: 1\n---\n[\n", "Invalid YAML: "},
		{"dup", "a: 1\nb: 2\na: 3\n", "Invalid YAML: duplicate mapping key 'a' at line 3, column 1"},
		{"dup quoted", "a: 1\n'a': 2\n", "Invalid YAML: duplicate"},
		{"dup tagged", "a: 1\n!!str a: 2\n", "Invalid YAML: duplicate"},
		{"dup alias", "&k a: 1\n*k : 2\n", "Invalid YAML: duplicate"},
		{"dup nested", "x:\n  a: 1\n  a: 2\n", "Invalid YAML: duplicate"},
		{"dup before guard", "yes: 1\na: 1\na: 2\n", "Invalid YAML: duplicate"},
		{"binary", "a: !!binary aGk=\n", "Invalid YAML: unsupported tag"},
		{"timestamp", "a: !!timestamp 2024-01-01\n", "Invalid YAML: unsupported tag"},
		{"local tag", "a: !foo x\n", "Invalid YAML: unsupported tag"},
		{"python tag", "a: !!python/object:os.system x\n", "Invalid YAML: unsupported tag"},
		{"set", "a: !!set {x: null}\n", "Invalid YAML: unsupported tag"},
		{"non-specific", "a: ! 5\n", "Invalid YAML: unsupported tag !"},
		{"non-specific quoted", "a: ! '5'\n", "Invalid YAML: unsupported tag !"},
		{"non-specific after anchor", "a: &x ! 5\n", "Invalid YAML: unsupported tag !"},
		{"seq tag on map", "a: !!seq {x: 1}\n", "Invalid YAML: unsupported tag"},
		{"map tag on scalar", "a: !!map x\n", "Invalid YAML: tag !!map"},
		{"str tag on list", "a: !!str [x]\n", "Invalid YAML: unsupported tag"},
		{"bad int", "a: !!int abc\n", "Invalid YAML: cannot read"},
		{"int octal differs", "a: !!int 010\n", "Invalid YAML: cannot read"},
		{"int 0o", "a: !!int 0o17\n", "Invalid YAML: cannot read"},
		{"bad bool", "a: !!bool yes\n", "Invalid YAML: cannot read"},
		{"bad null", "a: !!null x\n", "Invalid YAML: cannot read"},
		{"bad float", "a: !!float 0x1F\n", "Invalid YAML: cannot read"},
		{"complex key", "? [a]\n: 1\n", "Invalid YAML: mapping key"},
		{"map key", "{a: 1}: 2\n", "Invalid YAML: mapping key"},
		{"alias map key", "a: &m {x: 1}\n*m : 2\n", "Invalid YAML: mapping key"},
		{"unknown anchor", "a: *nope\n", "Invalid YAML: "},
		{"recursive", "a: &a [*a]\n", "Invalid YAML: "},
		{"deep", strings.Repeat("[", 101) + strings.Repeat("]", 101), msgNotMapping},
		{"deep map", "a: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n", "Invalid YAML: nesting deeper than 100"},
		{"deep via alias", "a: &d " + strings.Repeat("[", 60) + strings.Repeat("]", 60) + "\nb: " + strings.Repeat("[", 45) + "*d" + strings.Repeat("]", 45) + "\n", "Invalid YAML: nesting deeper than 100"},
		{"control char", "a: \x01\n", "Invalid YAML: "},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.in))
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.HasPrefix(pe.Message, c.want) {
			t.Errorf("%s: got %v, want prefix %q", c.name, err, c.want)
		}
		if errors.Is(err, ErrEmpty) {
			t.Errorf("%s: must not be ErrEmpty", c.name)
		}
	}
}

func TestParseEmpty(t *testing.T) {
	for _, in := range []string{"", "  \n\t\n", "# just a comment\n", "---\n", "--- # c\n...\n", "\ufeff"} {
		_, err := Parse([]byte(in))
		if !errors.Is(err, ErrEmpty) || err.Error() != msgNotMapping {
			t.Errorf("%q: got %v, want ErrEmpty", in, err)
		}
	}
}

func TestParseDepthLimit(t *testing.T) {
	ok := "a: " + strings.Repeat("[", 99) + strings.Repeat("]", 99) + "\n"
	if _, err := Parse([]byte(ok)); err != nil {
		t.Fatalf("100 levels: %v", err)
	}
	if _, err := Parse([]byte(strings.Repeat("[", 20000))); err == nil {
		t.Fatal("want an error")
	}
}

func TestParseAliases(t *testing.T) {
	m, err := Parse([]byte("base: &b {x: 1, l: [1, 2]}\ncopy: *b\nk: &k name\n*k : v\n"))
	if err != nil {
		t.Fatal(err)
	}
	base, _ := m.Get("base")
	cp, _ := m.Get("copy")
	if !same(base, cp) {
		t.Fatal("alias differs from anchor")
	}
	// Expansion copies, so changing one occurrence leaves the other alone.
	cp.(*doc.Map).Set("x", int64(2))
	if x, _ := base.(*doc.Map).Get("x"); x != int64(1) {
		t.Fatal("alias shares storage with its anchor")
	}
	if v, _ := m.Get("name"); v != "v" {
		t.Fatalf("alias key: %v", v)
	}
}

// A billion-laughs body must fail quickly, without materialising anything.
func TestParseBillionLaughs(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 9; i++ {
		prev := "*a" + string(rune('0'+i-1))
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [" + strings.Repeat(prev+", ", 9) + prev + "]\n")
	}
	start := time.Now()
	_, err := Parse([]byte(b.String()))
	var pe *ParseError
	if !errors.As(err, &pe) || !strings.Contains(pe.Message, "10000") {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %v", d)
	}
	// Exactly at the limit is fine: 1000 aliased lists of 10 scalars... is
	// more than 10,000 nodes, but 90 copies of 100 is 9,090.
	ok := "a: &a [" + strings.Repeat("x, ", 99) + "x]\nb: [" + strings.Repeat("*a, ", 89) + "*a]\n"
	if _, err := Parse([]byte(ok)); err != nil {
		t.Fatalf("under the limit: %v", err)
	}
}

// same is strict equality for tests: types, key order and NaN must match.
func same(a, b any) bool {
	switch x := a.(type) {
	case *doc.Map:
		y, ok := b.(*doc.Map)
		if !ok || x.Len() != y.Len() {
			return false
		}
		ye := y.Entries()
		for i, e := range x.Entries() {
			if e.Key != ye[i].Key || !same(e.Value, ye[i].Value) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !same(x[i], y[i]) {
				return false
			}
		}
		return true
	case float64:
		y, ok := b.(float64)
		return ok && (math.Float64bits(x) == math.Float64bits(y) || math.IsNaN(x) && math.IsNaN(y))
	}
	return a == b
}

// The "!" tag is found from the node's mark, which counts characters, not
// bytes, and knows every line break yaml.v3 knows.
func TestNonSpecificTagMarks(t *testing.T) {
	rejected := []string{
		"é: [&a ! 1]\n",
		"a: 1\r\nb: ! 2\r\n",
		"\ufeffa: ! 1\n",
		"a: 1\rb: ! x\r",
		"a: \"\u2028\"\nb: {c: &x\n  # comment\n  ! d}\n",
		"a:\n- !<!> 5\n",
		"! k: v\n",
	}
	for _, in := range rejected {
		_, err := Parse([]byte(in))
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.Contains(pe.Message, "unsupported tag !") {
			t.Errorf("%q: got %v", in, err)
		}
	}
	accepted := []string{
		"a: \"x!\"\nb: 'a ! b'\nc: x ! y\nd: !!str e!\n",
		"é: [!!str x, z]\n",
		"é: &a\n  !!str b\n",
		"a:\n!!str b: 1\n",
		"a: ! [x]\nb: ! {c: d}\nc: !\n",
	}
	for _, in := range accepted {
		if _, err := Parse([]byte(in)); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
}

// JSON surrogate-pair escapes (Python's default for characters beyond
// U+FFFF) are one character, in JSON and in YAML flow style alike; the
// same text outside a double-quoted scalar stays literal.
func TestSurrogatePairs(t *testing.T) {
	d, err := Parse([]byte(`{"sie_id": "a/b", "description": "smile \ud83d\ude00 \uD83D\uDE00!", "x": "\\ud83d\\ude00"}`))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := d.Get("description"); v != "smile 😀 😀!" {
		t.Fatalf("description = %q", v)
	}
	if v, _ := d.Get("x"); v != `\ud83d\ude00` {
		t.Fatalf("an escaped backslash is no escape: %q", v)
	}
	// A literal pair elsewhere makes the join unsafe: the document is then
	// judged as written, where the double-quoted pair is invalid YAML.
	if _, err := Parse([]byte("sie_id: a/b\nplain: \\ud83d\\ude00\nq: \"\\ud83d\\ude00\"\n")); err == nil {
		t.Fatal("a join that rewrote literal text was kept")
	}
	if _, err := Parse([]byte("sie_id: a/b\nplain: \\ud83d\\ude00\n")); err != nil {
		t.Fatalf("literal text: %v", err)
	}
	if v, _ := mustParse(t, "sie_id: a/b\nplain: x \\ud83d\\ude00\n").Get("plain"); v != `x \ud83d\ude00` {
		t.Fatalf("plain scalar rewritten: %q", v)
	}
	if _, err := Parse([]byte(`{"a": "\ud83d"}`)); err == nil {
		t.Fatal("a lone surrogate was accepted")
	}
}

func mustParse(t *testing.T, s string) interface{ Get(string) (any, bool) } {
	t.Helper()
	d, err := Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return d
}
