package yamldoc

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// pyRepr is Python's repr of a float: shortest round-trip digits, positional
// for decimal exponents in [-4, 16), scientific otherwise.
func pyRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(s[strings.IndexByte(s, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return s
	}
	s = strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// formatFloat is PyYAML's float representation: repr with ".0" added to a
// bare mantissa, because YAML 1.1 reads "1e-05" as a string.
func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return ".nan"
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	}
	s := pyRepr(f)
	if e := strings.IndexByte(s, 'e'); e >= 0 && !strings.Contains(s[:e], ".") {
		s = s[:e] + ".0" + s[e:]
	}
	return s
}

// formatString writes s plain when both dialects read it back as s and the
// guard accepts it, single-quoted when quoting alone suffices, and
// double-quoted with escapes otherwise.
func formatString(s string) string {
	if plainSafe(s) {
		return s
	}
	if !needsEscape(s) {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return doubleQuote(s)
}

// printable is what both parsers accept raw inside a one-line scalar: no
// control characters, no line breaks (NEL, LS, PS), no BOM, nothing PyYAML's
// reader rejects, and no invisible spacing that would surprise a reader.
func printable(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 0x20 && r < 0x7f
	}
	return r != utf8.RuneError && r != 0xFEFF && r != 0xFFFE && r != 0xFFFF && unicode.IsPrint(r)
}

func needsEscape(s string) bool {
	for _, r := range s {
		if !printable(r) {
			return true
		}
	}
	return false
}

func plainSafe(s string) bool {
	if s == "" || strings.IndexByte("-?:,[]{}#&*!|>'\"%@` ", s[0]) >= 0 {
		return false
	}
	if s[len(s)-1] == ' ' || s[len(s)-1] == ':' || strings.HasPrefix(s, "...") {
		return false
	}
	if strings.Contains(s, ": ") || strings.Contains(s, " #") || needsEscape(s) {
		return false
	}
	if ambiguous(s) || radixPrefixed(s) || underscoredNumber(s) {
		return false
	}
	return resolve12(s).kind == kStr
}

// radixPrefixed reports a 0b/0o/0x prefix in any letter case. Both YAML
// dialects read "0B0" or "0X1F" as strings, but lenient parsers (Go's
// yaml.v3 among them) read them as integers; quoting costs nothing.
func radixPrefixed(s string) bool {
	t := strings.TrimLeft(s, "+-")
	return len(t) > 1 && t[0] == '0' && strings.IndexByte("bBoOxX", t[1]) >= 0
}

// underscoredNumber reports a sign or digit start with an underscore after
// it ("0_8"): both YAML dialects may read it as a string, but lenient
// parsers (Go's yaml.v3 among them) drop the underscores and read a
// number; quoting costs nothing.
func underscoredNumber(s string) bool {
	t := strings.TrimLeft(s, "+-")
	return t != "" && t[0] >= '0' && t[0] <= '9' && strings.IndexByte(t, '_') >= 0
}

func doubleQuote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '"':
			b.WriteString(`\"`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case printable(r):
			b.WriteRune(r)
		case r < 0x100:
			b.WriteString(`\x`)
			writeHex(&b, uint32(r), 2)
		case r < 0x10000:
			// Invalid UTF-8 arrives here as U+FFFD: it has no YAML spelling,
			// and Parse never produces it.
			b.WriteString(`\u`)
			writeHex(&b, uint32(r), 4)
		default:
			b.WriteString(`\U`)
			writeHex(&b, uint32(r), 8)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func writeHex(b *strings.Builder, v uint32, digits int) {
	const hex = "0123456789ABCDEF"
	for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
		b.WriteByte(hex[(v>>uint(shift))&0xF])
	}
}
