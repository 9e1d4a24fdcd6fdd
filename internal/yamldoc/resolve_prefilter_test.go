package yamldoc

import (
	"strings"
	"testing"
)

// readableAsNonString is what the resolvers would try without the
// prefilter: any YAML 1.1 or 1.2 non-string form.
func readableAsNonString(text string) bool {
	switch text {
	case "", "~", "<<", "=", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "y", "Y", "n", "N":
		return true
	}
	for _, re := range []interface{ MatchString(string) bool }{
		py11Bool, py11Float, py11Int, py11Null, py11Timestamp,
		core12Int10, core12Int8, core12Int16, core12Float, core12Inf, core12NaN,
	} {
		if re.MatchString(text) {
			return true
		}
	}
	return false
}

// The prefilter never calls a scalar a plain string that one of the
// resolvers' forms would read otherwise: every word of up to three
// characters over an alphabet of letters, digits and punctuation, and
// every boolean and null word with its case changed or a character added.
func TestMayBeNonStringNeverHidesANonString(t *testing.T) {
	const alphabet = "aefilnorstuyAEFILNORSTUY0189.-+_:~<=x "
	check := func(text string) {
		if !mayBeNonString(text) && readableAsNonString(text) {
			t.Errorf("%q skips the resolvers but reads as a non-string", text)
		}
	}
	var words func(prefix string, n int)
	words = func(prefix string, n int) {
		check(prefix)
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			words(prefix+string(c), n-1)
		}
	}
	words("", 3)
	for w := range nonStringWords {
		for _, v := range []string{w, strings.ToUpper(w), strings.ToLower(w), w + "s", "s" + w, w + ".", w + "0", w + " "} {
			check(v)
		}
	}
	for _, w := range []string{".inf", "-.Inf", ".NaN", "0o17", "0x1F", "1_000", "2001-12-14", "1:30", "tasks", "on_off", "nullable", "Yesterday"} {
		check(w)
	}
}
