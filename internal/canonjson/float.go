package canonjson

import (
	"math"
	"strconv"
)

// FormatFloat returns f in the float form of the dialect (hashes.md §1.3).
func FormatFloat(f float64, d Dialect) string {
	return string(AppendFloat(nil, f, d))
}

// AppendFloat appends f in the float form of the dialect (hashes.md §1.3).
// NaN and ±Inf are written as null: orjson does so, and the worker's model
// layer nulls them before Python's encoder could see them.
func AppendFloat(dst []byte, f float64, d Dialect) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	// Shortest round-trip digits and decimal exponent: "-d.ddde±XX".
	var buf [32]byte
	sci := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	neg := sci[0] == '-'
	if neg {
		sci = sci[1:]
	}
	ePos := len(sci) - 1
	for sci[ePos] != 'e' {
		ePos--
	}
	exp, _ := strconv.Atoi(string(sci[ePos+1:]))
	var digitBuf [24]byte
	digits := append(digitBuf[:0], sci[0])
	if ePos > 1 { // "d.ddd": skip the point
		digits = append(digits, sci[2:ePos]...)
	}

	if neg {
		dst = append(dst, '-')
	}
	lo, hi := -4, 15 // Python repr: fixed for -4 <= e < 16
	if d == ORJSON {
		lo = -5 // orjson also writes 0.00001 in fixed notation
	}
	if exp >= lo && exp <= hi {
		return appendFixed(dst, digits, exp)
	}
	return appendScientific(dst, digits, exp, d)
}

// appendFixed writes digits × 10^exp positionally, always with a fraction
// part ("100.0", "0.0001").
func appendFixed(dst, digits []byte, exp int) []byte {
	if exp < 0 {
		dst = append(dst, '0', '.')
		for i := 0; i < -exp-1; i++ {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	intLen := exp + 1
	if len(digits) <= intLen {
		dst = append(dst, digits...)
		for i := len(digits); i < intLen; i++ {
			dst = append(dst, '0')
		}
		return append(dst, '.', '0')
	}
	dst = append(dst, digits[:intLen]...)
	dst = append(dst, '.')
	return append(dst, digits[intLen:]...)
}

// appendScientific writes "d[.ddd]e±X": Python pads the exponent to two
// digits, orjson does not.
func appendScientific(dst, digits []byte, exp int, d Dialect) []byte {
	dst = append(dst, digits[0])
	if len(digits) > 1 {
		dst = append(dst, '.')
		dst = append(dst, digits[1:]...)
	}
	dst = append(dst, 'e')
	if exp < 0 {
		dst = append(dst, '-')
		exp = -exp
	} else {
		dst = append(dst, '+')
	}
	if d == PythonASCII && exp < 10 {
		dst = append(dst, '0')
	}
	return strconv.AppendInt(dst, int64(exp), 10)
}
