package controlplane

import "fmt"

// StoreError is a failed store operation on the write path (HTTP 503
// store_unavailable). The write left no trace.
type StoreError struct {
	Message string
	Err     error
}

func (e *StoreError) Error() string { return e.Message }
func (e *StoreError) Unwrap() error { return e.Err }

// PayloadTooLargeError means a delta would exceed the NATS max_payload
// (HTTP 413); it is detected before anything is written.
type PayloadTooLargeError struct {
	Size, Max int64
}

func (e *PayloadTooLargeError) Error() string {
	return fmt.Sprintf("Config exceeds the NATS max_payload (%d > %d bytes).", e.Size, e.Max)
}

// ModelNotFoundError means a DELETE addressed an unknown id (HTTP 404).
type ModelNotFoundError struct{ ID string }

func (e *ModelNotFoundError) Error() string {
	return fmt.Sprintf("Model '%s' does not exist in the catalog.", e.ID)
}

// RegistryUnavailableError means the registry failed to load (HTTP 503).
type RegistryUnavailableError struct{}

func (RegistryUnavailableError) Error() string {
	return "ModelRegistry failed to initialize (e.g. bad bundle/model YAML). See /readyz and config service logs; fix the on-disk state and restart."
}

// UnservableError refuses a POST or PUT whose document workers could not
// serve (form stub or ignored) while servable documents are required
// (SIE_CONFIG_REQUIRE_SERVABLE; HTTP 422). The write left no trace.
type UnservableError struct {
	Form    string
	Reasons []string
}

func (e *UnservableError) Error() string {
	return "Workers cannot serve this document (" + e.Form + ")"
}
