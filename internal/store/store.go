package store

import "context"

// Store is the contract every backend implements (sie-config.md §8).
//
// All methods are safe for concurrent use. Errors are returned, never
// swallowed: only "not found" is ever turned into a default value, so a
// transient failure can never be mistaken for an empty store.
type Store interface {
	// ReadEpoch returns the stored epoch: 0 when the object is missing or its
	// trimmed content is empty, 0 with a warning when the content is not a
	// non-negative decimal. Any other read failure is an error. It also
	// remembers the object's version (ETag, generation, file identity) as the
	// baseline for the next conditional WriteEpoch.
	ReadEpoch(ctx context.Context) (int64, error)

	// WriteEpoch stores epoch as decimal ASCII without a newline, on
	// condition that the object is still the version last read or written
	// by this instance. A lost race returns an error matching
	// ErrEpochConflict; the baseline is then left unchanged, so every later
	// write fails too until the epoch is read again.
	WriteEpoch(ctx context.Context, epoch int64) error

	// ReadGeneration returns the store's generation (32 hex digits), or ""
	// when the object is missing or damaged. Any other read failure is an
	// error.
	ReadGeneration(ctx context.Context) (string, error)

	// WriteGeneration replaces the generation object.
	WriteGeneration(ctx context.Context, gen string) error

	// ListModelFiles returns the base names of the direct children of
	// models/ that end in ".yaml", dot-files excluded, in code-point order.
	ListModelFiles(ctx context.Context) ([]string, error)

	// ReadModelFile returns the content of models/<name>. A missing file
	// returns an error matching ErrNotFound.
	ReadModelFile(ctx context.Context, name string) ([]byte, error)

	// WriteModel stores text as models/<FileName(id)>, replacing any
	// previous content atomically.
	WriteModel(ctx context.Context, id string, text []byte) error

	// DeleteModel removes models/<FileName(id)>. A missing file is success.
	DeleteModel(ctx context.Context, id string) error

	// Ping is a cheap reachability check used by readiness.
	Ping(ctx context.Context) error

	// Describe names the store for logs, e.g. "local:/data" or "s3://b/p".
	Describe() string

	// Close releases the backend's resources.
	Close() error
}

// PreparedWrite is a document already durable in a staging location and
// not yet visible. Backends whose writes have separate "make durable" and
// "make visible" steps offer it (see the local store's PrepareModel) so a
// caller can overlap the slow part with other work.
type PreparedWrite interface {
	// Commit makes the document visible (and durable in place).
	Commit() error
	// Abort discards the staged document; it does nothing after Commit.
	Abort()
}
