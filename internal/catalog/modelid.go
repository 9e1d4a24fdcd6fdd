package catalog

import "strings"

// Model-id rule messages (sie-config.md §4). Clients match on them verbatim.
const (
	MsgIDInvalidChars = "Model ID contains invalid characters."
	MsgIDStatusSuffix = "Model ID must not end with '/status' (reserved for the gateway status endpoint)."
	MsgIDDoubleUnder  = "Model ID must not contain '__' (reserved for store file names)."
)

// CheckModelID applies the model-id rule and returns the first failing
// check's message, or "" when the id is acceptable.
func CheckModelID(id string) string {
	if strings.Contains(id, "..") || strings.Contains(id, `\`) || !modelIDChars(id) {
		return MsgIDInvalidChars
	}
	if id == "status" || strings.HasSuffix(id, "/status") {
		return MsgIDStatusSuffix
	}
	if strings.Contains(id, "__") {
		return MsgIDDoubleUnder
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
