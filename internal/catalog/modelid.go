package catalog

import "strings"

// Model-id rule messages (sie-config.md §4). Clients match on them verbatim.
const (
	MsgIDInvalidChars = "Model ID contains invalid characters."
	MsgIDStatusSuffix = "Model ID must not end with '/status' (reserved for the gateway status endpoint)."
	MsgIDDoubleUnder  = "Model ID must not contain '__' (reserved for store file names)."
	MsgIDTooLong      = "Model ID is longer than 200 bytes."
	MsgIDTooManySlash = "Model ID has more than 50 '/' separators."
	MsgIDUnderSlash   = "Model ID has '_' next to '/'."
)

// The bounds of an id: with them every store file name ("/" → "__", plus
// ".yaml" and a temp-file prefix and suffix) fits in 255 bytes.
const (
	MaxModelIDBytes   = 200
	MaxModelIDSlashes = 50
)

// CheckModelID applies the model-id rule and returns the first failing
// check's message, or "" when the id is acceptable. The bounds come first:
// they cap the work every later check (and the store) does.
func CheckModelID(id string) string {
	if m := CheckModelIDBounds(id); m != "" {
		return m
	}
	if strings.Contains(id, "..") || strings.Contains(id, `\`) || !modelIDChars(id) {
		return MsgIDInvalidChars
	}
	if id == "status" || strings.HasSuffix(id, "/status") {
		return MsgIDStatusSuffix
	}
	if strings.Contains(id, "__") {
		return MsgIDDoubleUnder
	}
	// With "_" never next to "/", mapping "/" to "__" is injective: a/_b
	// and a_/b would otherwise share the file a___b.yaml.
	if strings.Contains(id, "_/") || strings.Contains(id, "/_") {
		return MsgIDUnderSlash
	}
	return ""
}

// CheckModelIDBounds is the part of the rule every reader applies, the
// gateway included: at most MaxModelIDBytes bytes and MaxModelIDSlashes "/".
func CheckModelIDBounds(id string) string {
	if len(id) > MaxModelIDBytes {
		return MsgIDTooLong
	}
	if strings.Count(id, "/") > MaxModelIDSlashes {
		return MsgIDTooManySlash
	}
	return ""
}

// modelIDChars matches the whole string against [a-zA-Z0-9][a-zA-Z0-9._/-]*
// (ASCII only, so a trailing newline fails).
func modelIDChars(id string) bool {
	if id == "" || !isAlnum(id[0]) {
		return false
	}
	for i := 1; i < len(id); i++ {
		c := id[i]
		if !isAlnum(c) && c != '.' && c != '_' && c != '/' && c != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
