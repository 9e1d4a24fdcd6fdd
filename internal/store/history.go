package store

import (
	"context"
	"time"
)

// The operations a history entry records (extensions E8). They describe the
// model's API document, the layer the Config API writes:
//
//   - OpCreate: the model had no API document before (a POST or PUT that
//     created it, also over a seed);
//   - OpAppend: a POST added profiles to an existing API document;
//   - OpReplace: a PUT replaced an existing API document;
//   - OpDelete: a DELETE removed the API document.
const (
	OpCreate  = "create"
	OpAppend  = "append"
	OpReplace = "replace"
	OpDelete  = "delete"
)

// HistoryEntry is one change of one model's API document.
type HistoryEntry struct {
	// Epoch is the epoch the change was committed with.
	Epoch int64
	// ModelID is the model's id (not its file name).
	ModelID string
	// Op is OpCreate, OpAppend, OpReplace or OpDelete.
	Op string
	// At is when the change was made (UTC); stores keep at least
	// millisecond precision.
	At time.Time
	// TokenID identifies the caller the way the audit log does (the first
	// 12 hex digits of the SHA-256 of its bearer token); "" when the write
	// carried no token.
	TokenID string
	// RawYAML is the complete API document after the change, byte for byte
	// as stored; nil for OpDelete.
	RawYAML []byte
}

// Historian is the optional capability of a Store that keeps every change
// of every model, for GET /v1/configs/models/{id}/history and the rollback
// built on it. sie-config discovers it with a type assertion; a store
// without it answers 501 history_unavailable.
//
// The write pipeline calls AppendHistory after a change's model write (or
// delete) succeeded and before the change is committed and answered, so
// every epoch up to the committed one that changed a model has its entry,
// unless the append itself failed (which sie-config logs as an error).
type Historian interface {
	// AppendHistory durably records entries, given in increasing epoch
	// order, of changes already written to the store. On error none of
	// them may be visible to History afterwards, in this process or after
	// a restart (a torn record is dropped).
	AppendHistory(ctx context.Context, entries ...HistoryEntry) error

	// History returns the entries of the model id (exact id, not case
	// folded), newest first, at most limit of them (limit <= 0: all). A
	// model with no recorded change has an empty history, not an error;
	// the history of a deleted model stays readable.
	History(ctx context.Context, id string, limit int) ([]HistoryEntry, error)
}
