package gateway

import (
	"strconv"

	"github.com/sieproject/sie/internal/doc"
)

// quickJSONDocument reads the common shape of an export's model_config
// fast: a JSON object whose strings are printable ASCII (with newlines and
// tabs), escaped no further than quickString reads,
// integers within int64, finite floats, and no key given twice. It returns
// nil for anything else (the caller then takes the general path). Where it
// returns a document, it is the one decodeJSONDocument returns (the fuzz
// target holds it to that).
func quickJSONDocument(raw []byte) *doc.Map {
	q := quickJSON{data: raw}
	q.space()
	if q.i >= len(q.data) || q.data[q.i] != '{' {
		return nil
	}
	v, ok := q.value(0)
	if !ok {
		return nil
	}
	if q.space(); q.i != len(q.data) {
		return nil
	}
	m, _ := v.(*doc.Map)
	return m
}

// quickMaxDepth bounds the nesting the quick path follows.
const quickMaxDepth = 64

type quickJSON struct {
	data []byte
	i    int
}

func (q *quickJSON) space() {
	for q.i < len(q.data) {
		switch q.data[q.i] {
		case ' ', '\t', '\n', '\r':
			q.i++
		default:
			return
		}
	}
}

// eat consumes c (after spaces) and reports whether it was there.
func (q *quickJSON) eat(c byte) bool {
	q.space()
	if q.i < len(q.data) && q.data[q.i] == c {
		q.i++
		return true
	}
	return false
}

func (q *quickJSON) value(depth int) (any, bool) {
	q.space()
	if q.i >= len(q.data) || depth > quickMaxDepth {
		return nil, false
	}
	switch c := q.data[q.i]; {
	case c == '{':
		q.i++
		m := doc.NewMap()
		if q.eat('}') {
			return m, true
		}
		for {
			q.space()
			key, ok := q.str()
			if !ok || m.Has(key) || !q.eat(':') {
				return nil, false
			}
			v, ok := q.value(depth + 1)
			if !ok {
				return nil, false
			}
			m.Set(key, v)
			if q.eat('}') {
				return m, true
			}
			if !q.eat(',') {
				return nil, false
			}
		}
	case c == '[':
		q.i++
		list := []any{}
		if q.eat(']') {
			return list, true
		}
		for {
			v, ok := q.value(depth + 1)
			if !ok {
				return nil, false
			}
			list = append(list, v)
			if q.eat(']') {
				return list, true
			}
			if !q.eat(',') {
				return nil, false
			}
		}
	case c == '"':
		return q.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return q.number()
	}
	for _, lit := range [...]struct {
		text string
		v    any
	}{{"null", nil}, {"true", true}, {"false", false}} {
		if len(q.data)-q.i >= len(lit.text) && string(q.data[q.i:q.i+len(lit.text)]) == lit.text {
			q.i += len(lit.text)
			return lit.v, true
		}
	}
	return nil, false
}

// str reads a string of printable ASCII, with no escapes but \n, \t, \"
// and \\ (see quickString).
func (q *quickJSON) str() (string, bool) {
	if q.i >= len(q.data) || q.data[q.i] != '"' {
		return "", false
	}
	end, ok := skipValue(q.data, q.i)
	if !ok {
		return "", false
	}
	s, ok := quickString(q.data[q.i:end])
	if !ok {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\n' && c != '\t') || c >= 0x7f {
			return "", false
		}
	}
	q.i = end
	return s, true
}

// number reads a JSON number: an int64 without fraction or exponent, else
// a finite float.
func (q *quickJSON) number() (any, bool) {
	start := q.i
	j := q.i
	if q.data[j] == '-' {
		j++
	}
	digits := j
	for j < len(q.data) && q.data[j] >= '0' && q.data[j] <= '9' {
		j++
	}
	if j == digits || (q.data[digits] == '0' && j-digits > 1) {
		return nil, false // no digits, or a leading zero
	}
	float := false
	if j < len(q.data) && q.data[j] == '.' {
		float = true
		j++
		frac := j
		for j < len(q.data) && q.data[j] >= '0' && q.data[j] <= '9' {
			j++
		}
		if j == frac {
			return nil, false
		}
	}
	if j < len(q.data) && (q.data[j] == 'e' || q.data[j] == 'E') {
		float = true
		j++
		if j < len(q.data) && (q.data[j] == '+' || q.data[j] == '-') {
			j++
		}
		exp := j
		for j < len(q.data) && q.data[j] >= '0' && q.data[j] <= '9' {
			j++
		}
		if j == exp {
			return nil, false
		}
	}
	q.i = j
	text := string(q.data[start:j])
	if float {
		f, err := strconv.ParseFloat(text, 64)
		return f, err == nil
	}
	n, err := strconv.ParseInt(text, 10, 64)
	return n, err == nil
}
