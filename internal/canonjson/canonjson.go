// Package canonjson writes the canonical JSON texts the hashes are computed
// over (hashes.md §1) and the compact, document-ordered JSON that sie-config
// responds with.
//
// encoding/json cannot be used for either: it escapes <, >, & and U+2028,
// writes 1.0 as 1 and has no Python exponent forms, and every one of those
// differences changes a digest.
//
// Supported values are the document values of package doc (nil, bool, int64,
// float64, string, []any, *doc.Map) plus, for convenience, the other Go
// integer types, *big.Int, []string, []int64, []*doc.Map, map[string]any,
// map[string]string, []map[string]any and Raw. Any other type is a
// programming error and panics.
package canonjson

// Dialect selects the string escaping and float form of the output.
type Dialect int

const (
	// PythonASCII is Python json.dumps with ensure_ascii=True: every code
	// point outside U+0020–U+007E is escaped as lower-case \uXXXX (surrogate
	// pairs above U+FFFF) and floats use Python repr.
	PythonASCII Dialect = iota
	// ORJSON is orjson 3.11: raw UTF-8, only '"', '\' and controls escaped,
	// orjson float form, NaN and ±Inf written as null.
	ORJSON
)

// String names the dialect for test and log output.
func (d Dialect) String() string {
	switch d {
	case PythonASCII:
		return "python-ascii"
	case ORJSON:
		return "orjson"
	}
	return "unknown"
}

// Raw is already-encoded JSON that is copied to the output verbatim. It lets
// callers splice cached fragments (hash entries, status parts) into a larger
// text without re-encoding them.
type Raw []byte
