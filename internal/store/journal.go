package store

import (
	"context"
	"errors"
	"time"
)

// The operations a change record names (the history's "op").
const (
	OpCreate  = "create"
	OpAppend  = "append"
	OpReplace = "replace"
	OpDelete  = "delete"
)

// Change is one accepted write as a journal records it: the epoch it made,
// the model, the operation, when and by whom, and the document after it
// (nil for a delete).
type Change struct {
	Epoch   int64
	ModelID string
	Op      string
	At      time.Time
	TokenID string // "" without auth
	Text    []byte // nil: the API document was deleted
}

// Record is a change at its position in a journal. Positions are strictly
// increasing; a record that only changed bookkeeping (the generation, a
// bare epoch) has an empty ModelID.
type Record struct {
	Pos uint64
	Change
	// HasEpoch is false for records that do not carry an epoch.
	HasEpoch bool
}

// ErrStale reports that a journal moved past the position a commit was
// planned on: another replica wrote first. The caller catches up and plans
// again.
var ErrStale = errors.New("store: another replica committed first")

// Loaded is a journal's consistent state at one position: the current API
// documents (by model file name), the epoch and the generation.
type Loaded struct {
	Pos        uint64
	Epoch      int64
	Generation string
	Models     []LoadedModel // in code-point order of Name
}

// LoadedModel is one stored API document.
type LoadedModel struct {
	Name string // file name, as ListModelFiles gives it
	Text []byte
}

// Journal is a store that several active sie-config replicas share. Every
// accepted write is one record, epoch and document together, appended on
// condition that nothing was appended since the position the writer has
// applied (compare-and-set on the journal's position). Every replica
// follows the journal, so each one sees every other's writes.
type Journal interface {
	Store
	// Load returns the state at the current position. Records after it
	// are read with Since or Follow.
	Load(ctx context.Context) (Loaded, error)
	// EnsureGeneration returns the journal's generation, creating it once
	// (compare-and-set) when there is none, so every replica agrees.
	EnsureGeneration(ctx context.Context) (string, error)
	// Commit appends ch right after position after. It returns the new
	// record's position, or an error matching ErrStale when the journal is
	// past after.
	Commit(ctx context.Context, after uint64, ch Change) (uint64, error)
	// Since returns the records after position from, up to the end.
	Since(ctx context.Context, from uint64) ([]Record, error)
	// Follow calls apply for each record after position from, in order,
	// as they are appended, until ctx ends.
	Follow(ctx context.Context, from uint64, apply func(Record)) error
}

// HistoryEntry is one past change of a model, as the history lists it.
type HistoryEntry struct {
	Epoch   int64
	Op      string
	At      time.Time
	TokenID string // "" without auth
	Text    []byte // nil for a delete
}

// Historian is a store that keeps every change: History returns a model's
// changes newest first, at most limit of them (limit <= 0: all). A model
// with no recorded change has an empty history.
type Historian interface {
	History(ctx context.Context, id string, limit int) ([]HistoryEntry, error)
}

type tokenIDKey struct{}

// WithTokenID returns ctx carrying the token id of the request a write
// serves (the audit log's token_id), for the journal record.
func WithTokenID(ctx context.Context, tokenID string) context.Context {
	return context.WithValue(ctx, tokenIDKey{}, tokenID)
}

// TokenID returns the token id WithTokenID put in ctx, or "".
func TokenID(ctx context.Context) string {
	s, _ := ctx.Value(tokenIDKey{}).(string)
	return s
}
