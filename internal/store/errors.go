package store

import "errors"

// EpochConflictMessage is the fixed store_unavailable message of
// sie-config.md §8.4 for a lost conditional epoch write.
const EpochConflictMessage = "Config store epoch was modified by another writer; sie-config must run as a single replica."

// ErrEpochConflict reports that the epoch object changed since this instance
// last read or wrote it: another writer is active.
//
//lint:ignore ST1005 the API answers this message verbatim (a sentence)
var ErrEpochConflict = errors.New(EpochConflictMessage)

// ErrNotFound reports that a model file does not exist.
var ErrNotFound = errors.New("not found")

// conflictError keeps the backend's own error (for logs) while its message
// stays exactly EpochConflictMessage, because the API layer returns the
// message verbatim.
type conflictError struct{ cause error }

func (e *conflictError) Error() string   { return EpochConflictMessage }
func (e *conflictError) Unwrap() []error { return []error{ErrEpochConflict, e.cause} }

// EpochConflict returns an error matching ErrEpochConflict whose message is
// exactly EpochConflictMessage and which also wraps cause (may be nil).
func EpochConflict(cause error) error {
	if cause == nil {
		return ErrEpochConflict
	}
	return &conflictError{cause: cause}
}
