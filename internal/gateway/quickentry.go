package gateway

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"sync/atomic"
)

// entryFields are the raw values of the export entry keys the mirror reads
// (nil when absent).
type entryFields struct{ modelID, rawYAML, modelConfig json.RawMessage }

// set keeps value when key is one of the fields.
func (f *entryFields) set(key string, value json.RawMessage) {
	switch key {
	case "model_id":
		f.modelID = value
	case "raw_yaml":
		f.rawYAML = value
	case "model_config":
		f.modelConfig = value
	}
}

// quickEntryFields splits an export entry, a JSON value already known to be
// valid, into the raw values of its top-level keys, as json.Unmarshal into
// a map[string]json.RawMessage does (the last of a repeated key wins). It
// reports false, for the caller to take that general path, when the entry
// is not an object or a key holds an escape.
func quickEntryFields(raw []byte) (entryFields, bool) {
	var fields entryFields
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return fields, false
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return fields, true
	}
	for {
		if i >= len(raw) || raw[i] != '"' {
			return fields, false
		}
		end := bytes.IndexByte(raw[i+1:], '"')
		if end < 0 {
			return fields, false
		}
		key := raw[i+1 : i+1+end]
		if bytes.IndexByte(key, '\\') >= 0 {
			return fields, false
		}
		i = skipSpace(raw, i+2+end)
		if i >= len(raw) || raw[i] != ':' {
			return fields, false
		}
		i = skipSpace(raw, i+1)
		vend, ok := skipValue(raw, i)
		if !ok {
			return fields, false
		}
		fields.set(string(key), json.RawMessage(raw[i:vend:vend]))
		i = skipSpace(raw, vend)
		if i >= len(raw) {
			return fields, false
		}
		switch raw[i] {
		case '}':
			return fields, true
		case ',':
			i = skipSpace(raw, i+1)
		default:
			return fields, false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the valid JSON value starting at i.
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	switch b[i] {
	case '"':
		for j := i + 1; j < len(b); j++ {
			switch b[j] {
			case '\\':
				j++
			case '"':
				return j + 1, true
			}
		}
		return len(b), false
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, ok := skipValue(b, j)
				if !ok {
					return end, false
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return len(b), false
	}
	j := i
	for j < len(b) && !strings.ContainsRune(" \t\r\n,]}", rune(b[j])) {
		j++
	}
	return j, j > i
}

// quickString decodes a JSON string value holding no escape but \n, \t, \"
// and \\ (a document's text, usually); false sends the caller to
// json.Unmarshal.
func quickString(raw json.RawMessage) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	var sb strings.Builder
	sb.Grow(len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c < 0x20 || c >= 0x80:
			return "", false // control characters are invalid; UTF-8 is checked by json
		case c == '\\':
			if i+1 >= len(body) {
				return "", false
			}
			i++
			switch body[i] {
			case 'n':
				sb.WriteByte('\n')
			case 't':
				sb.WriteByte('\t')
			case '"':
				sb.WriteByte('"')
			case '\\':
				sb.WriteByte('\\')
			default:
				return "", false
			}
		case c == '"':
			return "", false
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String(), true
}

// splitList splits a JSON list, already known to be valid, into the raw
// text of its elements; false when it is not a list.
func splitList(list []byte) ([][]byte, bool) {
	i := skipSpace(list, 0)
	if i >= len(list) || list[i] != '[' {
		return nil, false
	}
	var out [][]byte
	i = skipSpace(list, i+1)
	if i < len(list) && list[i] == ']' {
		return out, true
	}
	for {
		end, ok := skipValue(list, i)
		if !ok {
			return nil, false
		}
		out = append(out, list[i:end:end])
		i = skipSpace(list, end)
		if i >= len(list) {
			return nil, false
		}
		switch list[i] {
		case ']':
			return out, true
		case ',':
			i = skipSpace(list, i+1)
		default:
			return nil, false
		}
	}
}

// quickExport is decodeExport's quick pass over a whole export: the epoch
// and the raw entries, each checked to be valid JSON (on every core). It
// reports false for anything it does not take; the streaming reader then
// decides.
func quickExport(body []byte) (epoch uint64, raws [][]byte, ok bool) {
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return 0, nil, false
	}
	var checks [][]byte // values to check for validity
	seen := map[string]bool{}
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		return 0, nil, true
	}
	for {
		if i >= len(body) || body[i] != '"' {
			return 0, nil, false
		}
		end := bytes.IndexByte(body[i+1:], '"')
		if end < 0 {
			return 0, nil, false
		}
		key := string(body[i+1 : i+1+end])
		if !plainASCII(key) || seen[key] {
			return 0, nil, false
		}
		seen[key] = true
		i = skipSpace(body, i+2+end)
		if i >= len(body) || body[i] != ':' {
			return 0, nil, false
		}
		i = skipSpace(body, i+1)
		vend, ok := skipValue(body, i)
		if !ok {
			return 0, nil, false
		}
		value := body[i:vend]
		switch key {
		case "epoch":
			if string(value) != "null" {
				for _, c := range value {
					if c < '0' || c > '9' {
						return 0, nil, false
					}
				}
				n, err := strconv.ParseUint(string(value), 10, 64)
				if err != nil || (len(value) > 1 && value[0] == '0') {
					return 0, nil, false
				}
				epoch = n
			}
		case "models":
			if string(value) != "null" {
				if raws, ok = splitList(value); !ok {
					return 0, nil, false
				}
			}
		default:
			checks = append(checks, value)
		}
		i = skipSpace(body, vend)
		if i >= len(body) {
			return 0, nil, false
		}
		if body[i] == '}' {
			break
		}
		if body[i] != ',' {
			return 0, nil, false
		}
		i = skipSpace(body, i+1)
	}
	checks = append(checks, raws...)
	var invalid atomic.Bool
	onEveryCore(len(checks), func(k int) {
		if !invalid.Load() && !json.Valid(checks[k]) {
			invalid.Store(true)
		}
	})
	if invalid.Load() {
		return 0, nil, false
	}
	return epoch, raws, true
}

// plainASCII reports whether s is printable ASCII without a backslash: a
// JSON string body that means exactly its bytes.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '\\' {
			return false
		}
	}
	return true
}
