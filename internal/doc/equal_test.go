package doc

import (
	"math"
	"testing"
)

// TestEqual pins the value equality writes compare documents with: numbers
// by value across int and float, booleans apart from numbers, lists in
// order, mappings by key set in any order, NaN equal to nothing.
func TestEqual(t *testing.T) {
	negZero := math.Copysign(0, -1)
	m := func(kv ...any) *Map {
		out := NewMap()
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i].(string), kv[i+1])
		}
		return out
	}
	cases := []struct {
		name string
		a, b any
		want bool
	}{
		{"nil", nil, nil, true},
		{"nil and false", nil, false, false},
		{"nil and empty string", nil, "", false},
		{"nil and empty map", nil, NewMap(), false},
		{"strings", "a", "a", true},
		{"strings differ", "a", "A", false},
		{"bools", true, true, true},
		{"bools differ", true, false, false},
		{"true is not 1", true, int64(1), false},
		{"false is not 0", false, int64(0), false},
		{"false is not 0.0", false, 0.0, false},
		{"ints", int64(3), int64(3), true},
		{"ints differ", int64(3), int64(4), false},
		{"int and integral float", int64(1), 1.0, true},
		{"integral float and int", 1.0, int64(1), true},
		{"int and fractional float", int64(1), 1.5, false},
		{"floats", 0.5, 0.5, true},
		{"negative zero and zero", negZero, 0.0, true},
		{"negative zero and int zero", negZero, int64(0), true},
		{"NaN is not NaN", math.NaN(), math.NaN(), false},
		{"NaN is not an int", math.NaN(), int64(0), false},
		{"infinities", math.Inf(1), math.Inf(1), true},
		{"infinity is not an int", math.Inf(1), int64(math.MaxInt64), false},
		{"2^63 as float is not MaxInt64", 9223372036854775808.0, int64(math.MaxInt64), false},
		{"-2^63 as float is MinInt64", -9223372036854775808.0, int64(math.MinInt64), true},
		{"2^53+1 is not the float 2^53", int64(1<<53 + 1), float64(1 << 53), false},
		{"string is not a number", "1", int64(1), false},
		{"lists", []any{int64(1), "x"}, []any{1.0, "x"}, true},
		{"lists in order", []any{int64(1), int64(2)}, []any{int64(2), int64(1)}, false},
		{"lists of different length", []any{int64(1)}, []any{int64(1), int64(1)}, false},
		{"empty lists", []any{}, []any{}, true},
		{"list is not a map", []any{}, NewMap(), false},
		{"maps in any key order", m("a", int64(1), "b", "x"), m("b", "x", "a", 1.0), true},
		{"maps with another key", m("a", int64(1)), m("b", int64(1)), false},
		{"maps with a key more", m("a", int64(1)), m("a", int64(1), "b", nil), false},
		{"null value is not a missing key", m("a", nil), NewMap(), false},
		{"nested", m("p", m("x", []any{m("k", true)})), m("p", m("x", []any{m("k", true)})), true},
		{"nested differ", m("p", m("x", []any{m("k", true)})), m("p", m("x", []any{m("k", int64(1))})), false},
		{"unsupported types", int(1), int(1), false},
	}
	for _, c := range cases {
		if got := Equal(c.a, c.b); got != c.want {
			t.Errorf("%s: Equal(%#v, %#v) = %v, want %v", c.name, c.a, c.b, got, c.want)
		}
		if c.name != "unsupported types" {
			if got := Equal(c.b, c.a); got != c.want {
				t.Errorf("%s: not symmetric: Equal(%#v, %#v) = %v", c.name, c.b, c.a, got)
			}
		}
	}
}

// TestTruthy pins Python's truth values of document values.
func TestTruthy(t *testing.T) {
	for _, v := range []any{nil, false, int64(0), 0.0, math.Copysign(0, -1), "", []any{}, NewMap()} {
		if Truthy(v) {
			t.Errorf("%#v is truthy", v)
		}
	}
	for _, v := range []any{true, int64(-1), 0.5, math.NaN(), math.Inf(-1), " ", []any{nil}, NewMap(Entry{Key: "k", Value: nil})} {
		if !Truthy(v) {
			t.Errorf("%#v is falsy", v)
		}
	}
}
