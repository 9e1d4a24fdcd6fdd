package yamldoc

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// JSON writers that escape everything outside ASCII (Python's json.dumps by
// default) write a character beyond U+FFFF as a UTF-16 surrogate pair,
// "\ud83d\ude00". JSON defines that pair as one character; YAML's
// double-quoted escapes have no surrogates and write it "\U0001F600", so
// the YAML parser rejects the pair. joinSurrogates rewrites each pair that
// is a real escape (preceded by an even number of backslashes) into the
// YAML form before parsing.
//
// The rewrite does not know the YAML context, so afterwards every scalar
// that is not double-quoted is checked: if one contains a rewritten form,
// the pair was literal text there (a plain, single-quoted or block scalar)
// and the rewrite is abandoned; the document is then judged as written.

// joinSurrogates returns the rewritten text and the "\UXXXXXXXX" forms it
// produced, or data itself and nil when it holds no pair.
func joinSurrogates(data []byte) ([]byte, map[string]bool) {
	if !bytes.Contains(data, []byte(`\u`)) && !bytes.Contains(data, []byte(`\U`)) {
		return data, nil
	}
	var out []byte
	var forms map[string]bool
	last := 0
	for i := 0; i+12 <= len(data); i++ {
		if data[i] != '\\' || !isEscapeStart(data, i) {
			continue
		}
		hi, ok1 := utf16Escape(data[i:])
		lo, ok2 := utf16Escape(data[i+6:])
		if !ok1 || !ok2 || hi < 0xD800 || hi > 0xDBFF || lo < 0xDC00 || lo > 0xDFFF {
			continue
		}
		r := 0x10000 + (hi-0xD800)<<10 + (lo - 0xDC00)
		form := fmt.Sprintf(`\U%08X`, r)
		if forms == nil {
			forms = map[string]bool{}
			out = make([]byte, 0, len(data))
		}
		forms[form] = true
		out = append(out, data[last:i]...)
		out = append(out, form...)
		last = i + 12
		i += 11
	}
	if forms == nil {
		return data, nil
	}
	return append(out, data[last:]...), forms
}

// isEscapeStart reports whether the backslash at i is not itself escaped.
func isEscapeStart(data []byte, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && data[j] == '\\'; j-- {
		n++
	}
	return n%2 == 0
}

// utf16Escape reads `\uXXXX` (either case of u is not YAML: only `\u`).
func utf16Escape(b []byte) (int, bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[2:6]), 16, 32)
	if err != nil {
		return 0, false
	}
	return int(v), true
}

// rewroteLiteral reports whether a scalar that is not double-quoted holds a
// form joinSurrogates produced: the rewrite changed literal text there.
func rewroteLiteral(n *yaml.Node, forms map[string]bool) bool {
	if n == nil {
		return false
	}
	if n.Kind == yaml.ScalarNode && n.Style&yaml.DoubleQuotedStyle == 0 && strings.Contains(n.Value, `\U`) {
		for f := range forms {
			if strings.Contains(n.Value, f) {
				return true
			}
		}
	}
	for _, c := range n.Content {
		if rewroteLiteral(c, forms) {
			return true
		}
	}
	return false
}
