package objectstore

import (
	"context"
	"errors"
)

// Bucket is one bucket of an object service, as the engine uses it. Keys
// are full object names. Implementations return errors wrapping
// ErrObjectMissing and ErrConditionFailed where those apply, and keep the
// service's own error inside for the logs.
type Bucket interface {
	// Get reads an object: all of it when limit is 0, else at most limit
	// bytes. version identifies the object's current content for a
	// conditional Put ("" when the service gave none).
	Get(ctx context.Context, key string, limit int64) (data []byte, version string, err error)
	// Put writes an object whole, replacing it atomically, under cond, and
	// returns the new version.
	Put(ctx context.Context, key string, data []byte, contentType string, cond Condition) (version string, err error)
	// Delete removes an object; a missing one is not an error.
	Delete(ctx context.Context, key string) error
	// List returns the names of the objects directly under prefix (which
	// ends with "/"): deeper names and "sub-directories" are left out.
	List(ctx context.Context, prefix string) ([]string, error)
	// Probe makes the cheapest request that fails when the bucket is
	// missing or unreadable: a listing of at most one object under prefix.
	Probe(ctx context.Context, prefix string) error
	// Close releases the client if the bucket owns it.
	Close() error
}

// Condition guards a Put: the object must be at version Match, or absent
// when Absent is set. The zero Condition writes unconditionally.
type Condition struct {
	Match  string
	Absent bool
}

var (
	// ErrObjectMissing reports that an object does not exist (and only
	// that: a missing bucket is another error).
	ErrObjectMissing = errors.New("object does not exist")
	// ErrConditionFailed reports a Put whose Condition did not hold.
	ErrConditionFailed = errors.New("write condition failed")
)
