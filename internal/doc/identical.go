package doc

import (
	"math"
	"reflect"
)

// Identical reports whether two document values are the same value in the
// same form: the same Go types, the same float bits (so -0.0 is not 0.0
// and a NaN is itself), and the same keys in the same order. It is
// stricter than Equal, the spec's value equality; tests use it to hold a
// compact or quick form of a document to the one it stands for.
func Identical(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Identical(x[i], y[i]) {
				return false
			}
		}
		return true
	case *Map:
		y, ok := b.(*Map)
		if !ok || (x == nil) != (y == nil) {
			return false
		}
		if x == nil {
			return true
		}
		if x.Len() != y.Len() {
			return false
		}
		for i, e := range x.Entries() {
			if f := y.Entries()[i]; e.Key != f.Key || !Identical(e.Value, f.Value) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}
