package canonjson

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string literal in the dialect's escaping
// (hashes.md §1.1, §1.2). Invalid UTF-8 is written as U+FFFD; inputs are
// validated long before they get here, so this only keeps output valid.
func AppendString(dst []byte, s string, d Dialect) []byte {
	dst = append(dst, '"')
	start := 0 // s[start:i] is a pending run of bytes that need no escape
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			i++
			continue
		}
		if c >= 0x80 && d == ORJSON {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size // valid multi-byte sequence: stays raw
				continue
			}
		}
		if c == 0x7f && d == ORJSON {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		if c < 0x80 {
			dst = appendEscapedByte(dst, c)
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			if d == ORJSON { // only invalid bytes reach here
				dst = append(dst, "\uFFFD"...)
			} else {
				dst = appendUnicodeEscape(dst, r)
			}
			i += size
		}
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendEscapedByte escapes one ASCII byte: the short forms JSON defines,
// else \u00XX.
func appendEscapedByte(dst []byte, c byte) []byte {
	switch c {
	case '"':
		return append(dst, '\\', '"')
	case '\\':
		return append(dst, '\\', '\\')
	case '\b':
		return append(dst, '\\', 'b')
	case '\t':
		return append(dst, '\\', 't')
	case '\n':
		return append(dst, '\\', 'n')
	case '\f':
		return append(dst, '\\', 'f')
	case '\r':
		return append(dst, '\\', 'r')
	}
	return appendU4(dst, uint16(c))
}

// appendUnicodeEscape writes r as \uXXXX, or as a UTF-16 surrogate pair
// above U+FFFF, as Python's ensure_ascii does.
func appendUnicodeEscape(dst []byte, r rune) []byte {
	if r <= 0xFFFF {
		return appendU4(dst, uint16(r))
	}
	r -= 0x10000
	dst = appendU4(dst, uint16(0xD800+(r>>10)))
	return appendU4(dst, uint16(0xDC00+(r&0x3FF)))
}

func appendU4(dst []byte, u uint16) []byte {
	return append(dst, '\\', 'u',
		hexDigits[u>>12], hexDigits[(u>>8)&0xF], hexDigits[(u>>4)&0xF], hexDigits[u&0xF])
}
