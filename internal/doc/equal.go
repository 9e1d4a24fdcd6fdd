package doc

import "math"

// Equal is the spec's value equality: numbers compare by value (1 == 1.0), a
// boolean never equals a number, lists compare in order, and mappings compare
// by key set regardless of key order. NaN equals nothing, as in Python.
func Equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case int64:
		switch y := b.(type) {
		case int64:
			return x == y
		case float64:
			return intEqualsFloat(x, y)
		}
		return false
	case float64:
		switch y := b.(type) {
		case float64:
			return x == y
		case int64:
			return intEqualsFloat(y, x)
		}
		return false
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case *Map:
		y, ok := b.(*Map)
		if !ok || x.Len() != y.Len() {
			return false
		}
		for _, e := range x.Entries() {
			v, ok := y.Get(e.Key)
			if !ok || !Equal(e.Value, v) {
				return false
			}
		}
		return true
	}
	return false
}

func intEqualsFloat(i int64, f float64) bool {
	if math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) {
		return false
	}
	// Exact comparison: float64 values beyond ±2^63 cannot equal an int64.
	if f >= 9223372036854775808.0 || f < -9223372036854775808.0 {
		return false
	}
	return int64(f) == i
}

// Truthy is Python's truth value of a document value: None, False, 0, 0.0,
// "", [] and {} are false; NaN and everything else are true.
func Truthy(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case int64:
		return t != 0
	case float64:
		return t != 0 // NaN is truthy in Python, and NaN != 0
	case string:
		return t != ""
	case []any:
		return len(t) > 0
	case *Map:
		return t.Len() > 0
	}
	return true
}
