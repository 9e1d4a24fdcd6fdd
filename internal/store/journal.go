package store

import (
	"context"
	"errors"
	"time"
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
