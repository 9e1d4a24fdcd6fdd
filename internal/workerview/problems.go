package workerview

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sieproject/sie/internal/doc"
)

// workerProblem is one reason the worker's schema (or stub) refuses a
// document. It has two renderings: the pydantic-like "loc: msg" a worker
// logs (and startup errors show), and a human cause naming the field, which
// the worker view of a write reports (extensions E1).
type workerProblem struct {
	loc, msg string
	cause    string
}

func (p workerProblem) String() string {
	if p.loc == "" {
		return p.msg
	}
	return p.loc + ": " + p.msg
}

// problemList collects schema problems in document order.
type problemList []workerProblem

// Messages of the type checks, as pydantic words them, and the kind of
// value each expects in a human cause.
const (
	msgString    = "Input should be a valid string"
	msgInt       = "Input should be a valid integer"
	msgBool      = "Input should be a valid boolean"
	msgObject    = "Input should be an object"
	msgDict      = "Input should be a valid dictionary"
	msgNumber    = "Input should be a valid number"
	msgPrecision = "Input should be 'float16', 'bfloat16' or 'float32'"
	msgRequired  = "Field required"
	msgExtra     = "Extra inputs are not permitted"
)

var expectedKind = map[string]string{
	msgString:    "a string",
	msgInt:       "an integer",
	msgBool:      "a boolean",
	msgObject:    "a mapping",
	msgDict:      "a mapping",
	msgNumber:    "a number",
	msgPrecision: "one of float16, bfloat16, float32 (or null)",
}

// add records a missing field (msgRequired) or an unknown key (msgExtra).
func (p *problemList) add(loc, msg string) {
	var cause string
	switch {
	case msg == msgRequired && loc == "tasks":
		cause = "no 'tasks' mapping"
	case msg == msgRequired:
		cause = "no '" + loc + "' field"
	case msg == msgExtra && !strings.Contains(loc, "."):
		cause = "top-level key '" + loc + "' is not in the worker schema"
	case msg == msgExtra:
		cause = "key '" + loc + "' is not in the worker schema"
	default:
		cause = "'" + loc + "': " + msg
	}
	*p = append(*p, workerProblem{loc: loc, msg: msg, cause: cause})
}

// typed records a value of the wrong type (msg is one of the msg* type
// messages); the cause shows the value.
func (p *problemList) typed(loc, msg string, v any) {
	cause := fmt.Sprintf("'%s' is %s, not %s", loc, describeValue(v), expectedKind[msg])
	*p = append(*p, workerProblem{loc: loc, msg: msg, cause: cause})
}

// rule records a failed model validator with its own human cause.
func (p *problemList) rule(loc, msg, cause string) {
	*p = append(*p, workerProblem{loc: loc, msg: msg, cause: cause})
}

// extraKeys reports every key of m outside allowed (extra="forbid").
func (p *problemList) extraKeys(loc string, m *doc.Map, allowed []string) {
	for _, e := range m.Entries() {
		if !containsString(allowed, e.Key) {
			k := e.Key
			if loc != "" {
				k = loc + "." + k
			}
			p.add(k, msgExtra)
		}
	}
}

// strings renders the list the pydantic way; nil when empty.
func (p problemList) strings() []string {
	if len(p) == 0 {
		return nil
	}
	out := make([]string, len(p))
	for i, x := range p {
		out[i] = x.String()
	}
	return out
}

// has reports whether the list already holds a problem at the same field.
func (p problemList) has(x workerProblem) bool {
	for _, y := range p {
		if y.loc == x.loc {
			return true
		}
	}
	return false
}

// missingStandalone names what a profile without extends lacks.
func missingStandalone(prof Profile) string {
	switch {
	case prof.AdapterPath == nil && prof.MaxBatchTokens == nil:
		return "'adapter_path' or 'max_batch_tokens'"
	case prof.AdapterPath == nil:
		return "'adapter_path'"
	}
	return "'max_batch_tokens'"
}

// describeValue renders a document value for a human cause: scalars as
// written (strings quoted and shortened), containers by kind.
func describeValue(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case *big.Int:
		return t.String()
	case float64:
		return strconv.FormatFloat(t, 'g', -1, 64)
	case string:
		const max = 40
		if utf8.RuneCountInString(t) > max {
			r := []rune(t)
			t = string(r[:max]) + "…"
		}
		return strconv.Quote(t)
	case *doc.Map:
		return "a mapping"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("a %T", v)
}
