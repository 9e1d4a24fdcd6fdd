package controlplane

import (
	"context"

	"github.com/sieproject/sie/internal/store"
)

// RollbackResult is the outcome of a rollback: the PUT or the DELETE it ran
// (exactly one is set).
type RollbackResult struct {
	Replace *ReplaceResult
	Delete  *DeleteResult
}

// Rollback restores the model's API document as of epoch toEpoch: the
// document of its newest change at or before that epoch, through the PUT
// pipeline, or, when the model had no API document then (its newest change
// up to then was a delete, or its recorded history starts with a create
// after it), through the DELETE pipeline. Either answers as that write
// would: validation against today's bundles, preconditions, dry run, a new
// epoch and deltas when something changes, "unchanged" when nothing does.
func (s *Service) Rollback(ctx context.Context, id string, toEpoch int64, opts WriteOptions) (*RollbackResult, error) {
	if err := checkPathID(id); err != nil {
		return nil, err
	}
	h, err := s.historian()
	if err != nil {
		return nil, err
	}
	if cur := s.Epoch(); toEpoch > cur {
		return nil, &EpochNotFoundError{ModelID: id, Epoch: toEpoch, Current: cur}
	}
	// Entries at or before toEpoch are final: the epoch is committed, and
	// its entry was recorded before the commit.
	entries, err := h.History(ctx, id, 0)
	if err != nil {
		s.log.Error("store: history read failed", "model", id, "err", err)
		return nil, &StoreError{Message: "Failed to read model history: " + store.Reason(err) + ".", Err: err}
	}
	target, absent, ok := stateAt(entries, toEpoch)
	if !ok {
		return nil, &EpochNotFoundError{ModelID: id, Epoch: toEpoch, Current: s.Epoch()}
	}
	if absent {
		res, err := s.Delete(ctx, id, opts)
		if err != nil {
			return nil, err
		}
		return &RollbackResult{Delete: res}, nil
	}
	res, err := s.Replace(ctx, id, target, opts)
	if err != nil {
		return nil, err
	}
	return &RollbackResult{Replace: res}, nil
}

// stateAt reads the model's API document as of epoch from its history
// (newest first): the document, or absent, and whether the history knows.
func stateAt(entries []store.HistoryEntry, epoch int64) (doc []byte, absent, known bool) {
	for _, e := range entries {
		if e.Epoch <= epoch {
			return e.RawYAML, e.Op == store.OpDelete, true
		}
	}
	// Every change is after epoch: the model had no API document before
	// its first change only if that change created one.
	if n := len(entries); n > 0 && entries[n-1].Op == store.OpCreate {
		return nil, true, true
	}
	return nil, false, false
}
