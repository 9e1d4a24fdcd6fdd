package catalog

import "fmt"

// ValidationError is a rule failure of sie-config.md §5.5 (HTTP 422
// validation_error). Message is the client-facing text.
type ValidationError struct{ Message string }

func (e *ValidationError) Error() string { return e.Message }

// InvalidIDError is a model-id rule failure (HTTP 400 invalid_model_id).
type InvalidIDError struct{ Message string }

func (e *InvalidIDError) Error() string { return e.Message }

// ConflictError is an append-only content conflict (HTTP 409
// content_conflict): either top-level fields or whole profiles differ.
type ConflictError struct {
	ModelID  string
	Fields   []string // sorted; set for a top-level conflict
	Profiles []string // body order; set for a profile conflict
}

func (e *ConflictError) Error() string {
	if e.Fields != nil {
		return fmt.Sprintf("Top-level field(s) %s already exist with different values. Config API is append-only; mutating existing metadata is not supported via this endpoint.", PyList(e.Fields))
	}
	return fmt.Sprintf("Profile(s) %s exist with different content. Config API is append-only.", PyList(e.Profiles))
}

func invalid(format string, args ...any) error {
	return &ValidationError{Message: fmt.Sprintf(format, args...)}
}
