package yamldoc

import (
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// kind is the type a resolver gives a plain scalar. The kinds after kFloat
// exist only in YAML 1.1 and never equal a YAML 1.2 reading.
type kind uint8

const (
	kStr kind = iota
	kNull
	kBool
	kInt
	kFloat
	kTimestamp
	kMerge
	kValue
	kBroken // PyYAML's constructor would raise on it (e.g. "0b_")
)

var kindNames = [...]string{"str", "null", "bool", "int", "float", "timestamp", "merge", "value", "broken"}

func (k kind) String() string { return kindNames[k] }

// scalar is one resolver's reading of a plain scalar. Integers are
// arbitrary-precision so that the two readings compare exactly and the
// int64 range check happens afterwards.
type scalar struct {
	kind kind
	b    bool
	i    *big.Int
	f    float64
}

func sameReading(a, b scalar) bool {
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case kBool:
		return a.b == b.b
	case kInt:
		return a.i.Cmp(b.i) == 0
	case kFloat:
		return a.f == b.f || (math.IsNaN(a.f) && math.IsNaN(b.f))
	}
	return true
}

// mayBeNonString reports whether either resolver could read text as anything
// but a string; it skips the regexes for the common case of ordinary words.
// A scalar that starts with a letter is a non-string only as one of the
// boolean and null words (every number, timestamp, infinity and NaN form
// starts with a digit, a sign or a dot), so other words never reach the
// regexes, whatever their first letter.
func mayBeNonString(text string) bool {
	if text == "" {
		return true
	}
	if c := text[0] | 0x20; c >= 'a' && c <= 'z' {
		return nonStringWords[text]
	}
	return strings.IndexByte("-+0123456789.<~=", text[0]) >= 0
}

// nonStringWords are the words either dialect reads as a boolean or null:
// PyYAML's YAML 1.1 booleans and nulls, the YAML 1.2 core schema's (a
// subset), and y/Y/n/N, which some YAML 1.1 readers take for booleans.
var nonStringWords = map[string]bool{
	"y": true, "Y": true, "n": true, "N": true,
	"yes": true, "Yes": true, "YES": true, "no": true, "No": true, "NO": true,
	"true": true, "True": true, "TRUE": true, "false": true, "False": true, "FALSE": true,
	"on": true, "On": true, "ON": true, "off": true, "Off": true, "OFF": true,
	"null": true, "Null": true, "NULL": true,
}

// ambiguous is the §6.2 test: y/Y/n/N, or the two readings differ.
func ambiguous(text string) bool {
	switch text {
	case "y", "Y", "n", "N":
		return true
	}
	if !mayBeNonString(text) {
		return false
	}
	return !sameReading(resolve11(text), resolve12(text))
}

// YAML 1.2 core schema (YAML 1.2.2 §10.3.2).
var (
	core12Int10 = regexp.MustCompile(`^[-+]?[0-9]+$`)
	core12Int8  = regexp.MustCompile(`^0o[0-7]+$`)
	core12Int16 = regexp.MustCompile(`^0x[0-9a-fA-F]+$`)
	core12Float = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
	core12Inf   = regexp.MustCompile(`^[-+]?\.(inf|Inf|INF)$`)
	core12NaN   = regexp.MustCompile(`^\.(nan|NaN|NAN)$`)
)

func resolve12(text string) scalar {
	if !mayBeNonString(text) {
		return scalar{kind: kStr}
	}
	switch text {
	case "", "~", "null", "Null", "NULL":
		return scalar{kind: kNull}
	case "true", "True", "TRUE":
		return scalar{kind: kBool, b: true}
	case "false", "False", "FALSE":
		return scalar{kind: kBool}
	}
	if i, ok := int12(text); ok {
		return scalar{kind: kInt, i: i}
	}
	if f, ok := float12(text); ok {
		return scalar{kind: kFloat, f: f}
	}
	return scalar{kind: kStr}
}

func int12(text string) (*big.Int, bool) {
	var digits string
	base := 10
	switch {
	case core12Int10.MatchString(text):
		digits = text
	case core12Int8.MatchString(text):
		digits, base = text[2:], 8
	case core12Int16.MatchString(text):
		digits, base = text[2:], 16
	default:
		return nil, false
	}
	return new(big.Int).SetString(digits, base)
}

func float12(text string) (float64, bool) {
	switch {
	case core12Float.MatchString(text):
		// Out-of-range text rounds to ±Inf or 0, as Python's float() does.
		f, _ := strconv.ParseFloat(text, 64)
		return f, true
	case core12Inf.MatchString(text):
		if text[0] == '-' {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	case core12NaN.MatchString(text):
		return math.NaN(), true
	}
	return 0, false
}

// YAML 1.1 as PyYAML's SafeLoader implements it (resolver.py), in its order.
var (
	py11Bool  = regexp.MustCompile(`^(yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	py11Float = regexp.MustCompile(`^([-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?` +
		`|\.[0-9][0-9_]*([eE][-+][0-9]+)?` +
		`|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*` +
		`|[-+]?\.(inf|Inf|INF)` +
		`|\.(nan|NaN|NAN))$`)
	py11Int = regexp.MustCompile(`^([-+]?0b[0-1_]+` +
		`|[-+]?0[0-7_]+` +
		`|[-+]?(0|[1-9][0-9_]*)` +
		`|[-+]?0x[0-9a-fA-F_]+` +
		`|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+)$`)
	py11Null      = regexp.MustCompile(`^(~|null|Null|NULL|)$`)
	py11Timestamp = regexp.MustCompile(`^([0-9]{4}-[0-9]{2}-[0-9]{2}` +
		`|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)$`)
)

func resolve11(text string) scalar {
	if !mayBeNonString(text) {
		return scalar{kind: kStr}
	}
	switch {
	case py11Bool.MatchString(text):
		switch strings.ToLower(text) {
		case "yes", "true", "on":
			return scalar{kind: kBool, b: true}
		}
		return scalar{kind: kBool}
	case py11Float.MatchString(text):
		return float11(text)
	case py11Int.MatchString(text):
		return int11(text)
	case text == "<<":
		return scalar{kind: kMerge}
	case py11Null.MatchString(text):
		return scalar{kind: kNull}
	case py11Timestamp.MatchString(text):
		return scalar{kind: kTimestamp}
	case text == "=":
		return scalar{kind: kValue}
	}
	return scalar{kind: kStr}
}

// splitSign mirrors PyYAML's constructors: underscores dropped, sign split off.
func splitSign(text string) (neg bool, rest string) {
	rest = strings.ReplaceAll(text, "_", "")
	if rest != "" && (rest[0] == '-' || rest[0] == '+') {
		return rest[0] == '-', rest[1:]
	}
	return false, rest
}

// int11 is PyYAML's construct_yaml_int.
func int11(text string) scalar {
	neg, v := splitSign(text)
	i := new(big.Int)
	var ok bool
	switch {
	case v == "0":
		return scalar{kind: kInt, i: i}
	case strings.HasPrefix(v, "0b"):
		_, ok = i.SetString(v[2:], 2)
	case strings.HasPrefix(v, "0x"):
		_, ok = i.SetString(v[2:], 16)
	case strings.HasPrefix(v, "0"):
		_, ok = i.SetString(v, 8)
	case strings.Contains(v, ":"):
		ok = true
		sixty, d := big.NewInt(60), new(big.Int)
		for _, part := range strings.Split(v, ":") {
			d.SetString(part, 10) // the regex admits only digits here
			i.Mul(i, sixty).Add(i, d)
		}
	default:
		_, ok = i.SetString(v, 10)
	}
	if !ok {
		return scalar{kind: kBroken}
	}
	if neg {
		i.Neg(i)
	}
	return scalar{kind: kInt, i: i}
}

// float11 is PyYAML's construct_yaml_float.
func float11(text string) scalar {
	neg, v := splitSign(strings.ToLower(text))
	sign := 1.0
	if neg {
		sign = -1
	}
	switch {
	case v == ".inf":
		return scalar{kind: kFloat, f: sign * math.Inf(1)}
	case v == ".nan":
		return scalar{kind: kFloat, f: math.NaN()}
	case strings.Contains(v, ":"):
		parts := strings.Split(v, ":")
		f, base := 0.0, 1.0
		for j := len(parts) - 1; j >= 0; j-- {
			d, err := strconv.ParseFloat(parts[j], 64)
			if err != nil && !isRangeErr(err) {
				return scalar{kind: kBroken}
			}
			f += d * base
			base *= 60
		}
		return scalar{kind: kFloat, f: sign * f}
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil && !isRangeErr(err) {
		return scalar{kind: kBroken}
	}
	return scalar{kind: kFloat, f: sign * f}
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}
