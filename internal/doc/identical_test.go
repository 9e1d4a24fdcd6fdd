package doc_test

import (
	"math"
	"testing"

	"github.com/sieproject/sie/internal/doc"
)

func TestIdentical(t *testing.T) {
	ab := doc.NewMap(doc.Entry{Key: "a", Value: int64(1)}, doc.Entry{Key: "b", Value: 2.0})
	ba := doc.NewMap(doc.Entry{Key: "b", Value: 2.0}, doc.Entry{Key: "a", Value: int64(1)})
	var nilMap *doc.Map
	cases := []struct {
		name string
		a, b any
		want bool
	}{
		{"same map", ab, doc.NewMap(doc.Entry{Key: "a", Value: int64(1)}, doc.Entry{Key: "b", Value: 2.0}), true},
		{"key order differs (Equal holds)", ab, ba, false},
		{"int vs float of one value", int64(1), 1.0, false},
		{"zero vs negative zero", 0.0, math.Copysign(0, -1), false},
		{"NaN is itself", math.NaN(), math.NaN(), true},
		{"nested lists", []any{"x", []any{nil, true}}, []any{"x", []any{nil, true}}, true},
		{"list lengths", []any{"x"}, []any{"x", "y"}, false},
		{"nil maps", nilMap, nilMap, true},
		{"nil vs empty map", nilMap, doc.NewMap(), false},
		{"string vs map", "a", ab, false},
	}
	for _, c := range cases {
		if got := doc.Identical(c.a, c.b); got != c.want {
			t.Errorf("%s: Identical = %v, want %v", c.name, got, c.want)
		}
	}
}
