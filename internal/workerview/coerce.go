package workerview

import (
	"math"
	"math/big"
	"regexp"
	"strings"

	"github.com/sieproject/sie/internal/doc"
)

// The worker's model schema is pydantic in lax mode; these functions mirror
// its per-type coercions (worker-protocol.md §3.4). Each returns ok=false
// where pydantic would raise a validation error.

var (
	laxIntString   = regexp.MustCompile(`^[-+]?[0-9]+(_[0-9]+)*$`)
	laxIntZeroFrac = regexp.MustCompile(`\.0+$`)
	laxFloatString = regexp.MustCompile(`^[-+]?(([0-9](_?[0-9])*)(\.([0-9](_?[0-9])*)?)?|\.[0-9](_?[0-9])*)([eE][-+]?[0-9](_?[0-9])*)?$`)
	laxFloatWords  = regexp.MustCompile(`^[-+]?(?i:inf|infinity|nan)$`)
)

// workerInt coerces to a Python int: an int64, or a *big.Int beyond int64
// (Python ints are unbounded, so 1e20 and "99999999999999999999" are valid).
func workerInt(v any) (any, bool) {
	switch t := v.(type) {
	case int64:
		return t, true
	case bool:
		if t {
			return int64(1), true
		}
		return int64(0), true
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) || t != math.Trunc(t) {
			return nil, false
		}
		if t >= -9223372036854775808.0 && t < 9223372036854775808.0 {
			return int64(t), true
		}
		i, _ := big.NewFloat(t).Int(nil)
		return i, true
	case string:
		s := laxIntZeroFrac.ReplaceAllString(strings.TrimSpace(t), "")
		if !laxIntString.MatchString(s) {
			return nil, false
		}
		i, ok := new(big.Int).SetString(strings.ReplaceAll(s, "_", ""), 10)
		if !ok {
			return nil, false
		}
		if i.IsInt64() {
			return i.Int64(), true
		}
		return i, true
	}
	return nil, false
}

// workerOptInt is workerInt for an Optional[int] field: null stays null.
func workerOptInt(v any) (any, bool) {
	if v == nil {
		return nil, true
	}
	return workerInt(v)
}

// workerBool coerces to a Python bool.
func workerBool(v any) (bool, bool) {
	switch t := v.(type) {
	case bool:
		return t, true
	case int64:
		if t == 0 || t == 1 {
			return t == 1, true
		}
	case float64:
		if t == 0 || t == 1 {
			return t == 1, true
		}
	case string:
		switch strings.ToLower(t) {
		case "0", "off", "f", "false", "n", "no":
			return false, true
		case "1", "on", "t", "true", "y", "yes":
			return true, true
		}
	}
	return false, false
}

// workerOptFloat accepts what an Optional[float] field accepts. The values
// are never hashed, so only validity is reported.
func workerOptFloat(v any) bool {
	switch t := v.(type) {
	case nil, int64, float64, bool:
		return true
	case string:
		s := strings.TrimSpace(t)
		return laxFloatString.MatchString(s) || laxFloatWords.MatchString(s)
	}
	return false
}

// workerOptString accepts a string or null: pydantic does not turn numbers
// or booleans into strings.
func workerOptString(v any) bool {
	switch v.(type) {
	case nil, string:
		return true
	}
	return false
}

// workerPrecision accepts exactly the three precision literals or null.
func workerPrecision(v any) bool {
	switch v {
	case nil, "float16", "bfloat16", "float32":
		return true
	}
	return false
}

// asMap returns v as a mapping; YAML mappings always have string keys after
// the guard, which is what pydantic's dict[str, ...] needs.
func asMap(v any) (*doc.Map, bool) {
	m, ok := v.(*doc.Map)
	return m, ok && m != nil
}
