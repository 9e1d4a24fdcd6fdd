// Package yamldoc is SIE's single YAML dialect: YAML 1.2 core typing, a guard against scalars YAML 1.1 reads differently, and emission both dialects read alike.
package yamldoc

import "fmt"

// ParseError is a document that is not valid YAML in this dialect (HTTP 400 parse_error).
// Message is the complete client-facing text.
type ParseError struct{ Message string }

func (e *ParseError) Error() string { return e.Message }

// GuardError is a document that is valid YAML but fails the plain-scalar guard
// (HTTP 422 validation_error). Message is the complete client-facing text.
type GuardError struct{ Message string }

func (e *GuardError) Error() string { return e.Message }

// ErrEmpty is returned for a document with no content (empty, whitespace,
// comments only, or a bare "---"), so loaders can tell an empty file from a
// malformed one. Its message is the same as for any non-mapping top level.
var ErrEmpty error = &ParseError{Message: msgNotMapping}

const msgNotMapping = "Expected YAML mapping at top level"

func invalidf(format string, args ...any) *ParseError {
	return &ParseError{Message: "Invalid YAML: " + fmt.Sprintf(format, args...)}
}

func ambiguousErr(text string, line, col int) *GuardError {
	return &GuardError{Message: fmt.Sprintf(
		"Ambiguous YAML scalar '%s' at line %d, column %d: YAML 1.1 and YAML 1.2 parsers read it differently; quote it",
		text, line, col)}
}

func nonStringKeyErr(text string, line, col int) *GuardError {
	return &GuardError{Message: fmt.Sprintf(
		"Non-string mapping key '%s' at line %d, column %d; quote it", text, line, col)}
}

func intRangeErr(text string, line, col int) *GuardError {
	return &GuardError{Message: fmt.Sprintf(
		"Integer '%s' at line %d, column %d is outside the signed 64-bit range", text, line, col)}
}
