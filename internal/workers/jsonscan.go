package workers

import (
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner is a minimal, allocation-free JSON reader over one status frame.
// It validates the whole text (RFC 8259 grammar) while the status parser
// picks the few fields it needs and skips the rest; a generic decoder would
// allocate a value per element of the frame's large `models` array.
type scanner struct {
	data []byte
	pos  int
	// scratch receives unescaped strings; slices returned by str point into
	// data (no escapes) or into scratch (escapes) and are valid until the
	// next str call. escaped tells which.
	scratch []byte
	escaped bool
}

// maxDepth bounds nesting, as serde_json's recursion limit does.
const maxDepth = 128

func (s *scanner) reset(data []byte) { s.data, s.pos = data, 0 }

func (s *scanner) ws() {
	// Compact frames have no space at all: one comparison is the common
	// case (every JSON space byte is <= ' ').
	for s.pos < len(s.data) && s.data[s.pos] <= ' ' {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte (0 at the end).
func (s *scanner) peek() byte {
	s.ws()
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

// eat consumes c after optional space.
func (s *scanner) eat(c byte) bool {
	if s.peek() == c {
		s.pos++
		return true
	}
	return false
}

// atEnd reports whether only space remains.
func (s *scanner) atEnd() bool {
	s.ws()
	return s.pos == len(s.data)
}

// literal consumes true, false or null.
func (s *scanner) literal(word string) bool {
	if len(s.data)-s.pos >= len(word) && string(s.data[s.pos:s.pos+len(word)]) == word {
		s.pos += len(word)
		return true
	}
	return false
}

// null consumes a null if one is next.
func (s *scanner) null() bool {
	return s.peek() == 'n' && s.literal("null")
}

// str reads a string at the current position.
func (s *scanner) str() ([]byte, bool) {
	if s.peek() != '"' {
		return nil, false
	}
	s.pos++
	s.escaped = false
	start := s.pos
	d := s.data
	i := start
	// Eight bytes at a time until a word holds '"', '\\' or a control byte;
	// strings are most of a status frame.
	for ; i+8 <= len(d); i += 8 {
		if special(binary.LittleEndian.Uint64(d[i:])) {
			break
		}
	}
	for ; i < len(d); i++ {
		switch c := s.data[i]; {
		case c == '"':
			s.pos = i + 1
			return s.data[start:i], true
		case c == '\\':
			return s.strSlow(start, i)
		case c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// special reports whether any byte of the little-endian word w is '"',
// '\\' or below 0x20 (the classic SWAR zero-byte tests; bytes >= 0x80, as
// in UTF-8 text, never match).
func special(w uint64) bool {
	quote := w ^ (ones * '"')
	backslash := w ^ (ones * '\\')
	return ((quote-ones)&^quote|(backslash-ones)&^backslash|(w-ones*0x20)&^w)&highs != 0
}

// strSlow unescapes a string with escapes into scratch.
func (s *scanner) strSlow(start, i int) ([]byte, bool) {
	out := append(s.scratch[:0], s.data[start:i]...)
	for i < len(s.data) {
		c := s.data[i]
		switch {
		case c == '"':
			s.pos = i + 1
			s.scratch = out
			s.escaped = true
			return out, true
		case c < 0x20:
			return nil, false
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(s.data) {
			return nil, false
		}
		switch e := s.data[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, n, ok := s.unicodeEscape(i)
			if !ok {
				return nil, false
			}
			out = utf8.AppendRune(out, r)
			i += n
			continue
		default:
			return nil, false
		}
		i += 2
	}
	return nil, false
}

// unicodeEscape decodes \uXXXX (and a following low surrogate) at i.
func (s *scanner) unicodeEscape(i int) (rune, int, bool) {
	r, ok := hex4(s.data, i+2)
	if !ok {
		return 0, 0, false
	}
	if utf16.IsSurrogate(r) {
		if lo, ok := hex4(s.data, i+8); ok && i+7 < len(s.data) && s.data[i+6] == '\\' && s.data[i+7] == 'u' {
			if d := utf16.DecodeRune(r, lo); d != utf8.RuneError {
				return d, 12, true
			}
		}
		return utf8.RuneError, 6, true // a lone surrogate, as lenient decoders read it
	}
	return r, 6, true
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// number consumes a JSON number and reports whether it was an integer
// (no fraction or exponent) and its value when it fits int64.
func (s *scanner) number() (v int64, isInt, fits, ok bool) {
	s.ws()
	i := s.pos
	neg := false
	if i < len(s.data) && s.data[i] == '-' {
		neg = true
		i++
	}
	digits := i
	fits = true
	for i < len(s.data) && s.data[i] >= '0' && s.data[i] <= '9' {
		d := int64(s.data[i] - '0')
		if v > (1<<63-1-d)/10 {
			fits = false
		}
		v = v*10 + d
		i++
	}
	if i == digits || (s.data[digits] == '0' && i-digits > 1) {
		return 0, false, false, false
	}
	isInt = true
	if i < len(s.data) && s.data[i] == '.' {
		isInt = false
		i++
		j := i
		for i < len(s.data) && s.data[i] >= '0' && s.data[i] <= '9' {
			i++
		}
		if i == j {
			return 0, false, false, false
		}
	}
	if i < len(s.data) && (s.data[i] == 'e' || s.data[i] == 'E') {
		isInt = false
		i++
		if i < len(s.data) && (s.data[i] == '+' || s.data[i] == '-') {
			i++
		}
		j := i
		for i < len(s.data) && s.data[i] >= '0' && s.data[i] <= '9' {
			i++
		}
		if i == j {
			return 0, false, false, false
		}
	}
	s.pos = i
	if neg {
		v = -v
	}
	return v, isInt, fits, true
}

// skip consumes one value of any type, validating it.
func (s *scanner) skip(depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch s.peek() {
	case '{':
		s.pos++
		if s.eat('}') {
			return true
		}
		for {
			if _, ok := s.str(); !ok || !s.eat(':') || !s.skip(depth+1) {
				return false
			}
			if s.eat(',') {
				continue
			}
			return s.eat('}')
		}
	case '[':
		s.pos++
		if s.eat(']') {
			return true
		}
		for {
			if !s.skip(depth + 1) {
				return false
			}
			if s.eat(',') {
				continue
			}
			return s.eat(']')
		}
	case '"':
		_, ok := s.str()
		return ok
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	}
	_, _, _, ok := s.number()
	return ok
}

// open consumes a null (present=false: an absent container) or the opening
// byte c of an object or array.
func (s *scanner) open(c byte) (present, ok bool) {
	if s.null() {
		return false, true
	}
	if s.eat(c) {
		return true, true
	}
	return false, false
}

// more is called before each member or element of an open container, with
// the number already read: it consumes the separator or the closing byte
// and reports whether another item follows.
func (s *scanner) more(closing byte, n int) (next, ok bool) {
	if s.eat(closing) {
		return false, true
	}
	if n == 0 || s.eat(',') {
		return true, true
	}
	return false, false
}
