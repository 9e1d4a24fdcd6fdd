package controlplane

import (
	"context"
	"fmt"
	"time"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/store"
)

// History (extensions E8): every change of a model's API document, kept by
// stores that implement store.Historian. The pipeline records a group's
// changes once their documents are in place, while their directory is
// synced, under the write lock, so entries are appended in epoch order.

// HistoryUnavailableError means the store keeps no history (object stores,
// or no store at all; HTTP 501).
type HistoryUnavailableError struct{}

func (HistoryUnavailableError) Error() string {
	return "This sie-config keeps no model history: it needs a local directory or nats:// store (SIE_CONFIG_STORE_DIR)."
}

// opOnAPI is the history op of a POST or PUT: a create when the model had
// no API document before (also over a seed), else ifExists.
func opOnAPI(snap *catalog.Snapshot, id, ifExists string) string {
	if m := snap.Exact(id); m != nil && m.HasAPI() {
		return ifExists
	}
	return store.OpCreate
}

// historian returns the store's history, or the 501 error.
func (s *Service) historian() (store.Historian, error) {
	if h, ok := s.store.(store.Historian); ok {
		return h, nil
	}
	return nil, HistoryUnavailableError{}
}

// historyEntry is the history entry of a change committed with epoch.
func historyEntry(ch change, epoch int64) store.HistoryEntry {
	return store.HistoryEntry{Epoch: epoch, ModelID: ch.id, Op: ch.op, At: time.Now().UTC(), TokenID: ch.tokenID, RawYAML: ch.text}
}

// recordHistory appends the history entries (in epoch order) of changes
// already written to the store, with one durable append: a group of
// changes costs one fsync. A failure does not undo the changes (they are
// durable and about to be answered); they are only missing from the
// history, which is logged as an error.
func (s *Service) recordHistory(ctx context.Context, entries ...store.HistoryEntry) {
	h, ok := s.store.(store.Historian)
	if !ok || len(entries) == 0 {
		return
	}
	if err := h.AppendHistory(ctx, entries...); err != nil {
		for _, e := range entries {
			s.log.Error("store: history append failed; the change is made but missing from the model's history",
				"model", e.ModelID, "epoch", e.Epoch, "op", e.Op, "err", err)
		}
	}
}

// recordHistoryAsync starts recordHistory for the changes of steps, which
// are in place, and returns a function that waits for it.
func (s *Service) recordHistoryAsync(ctx context.Context, steps []step) (wait func()) {
	if _, ok := s.store.(store.Historian); !ok || len(steps) == 0 {
		return func() {}
	}
	entries := make([]store.HistoryEntry, 0, len(steps))
	for _, st := range steps {
		entries = append(entries, historyEntry(st.ch, st.epoch))
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.recordHistory(ctx, entries...)
	}()
	return func() { <-done }
}

// History returns up to limit changes of the model id, newest first. The
// id is matched exactly, except that a model in the registry under another
// case is reported under its own id (as GET finds it). An id with no
// recorded change is an empty history when the model exists (a seed, or a
// document older than the history), and 404 when it does not.
func (s *Service) History(ctx context.Context, id string, limit int) (string, []store.HistoryEntry, error) {
	if err := checkPathID(id); err != nil {
		return "", nil, err
	}
	h, err := s.historian()
	if err != nil {
		return "", nil, err
	}
	snap := s.Snapshot()
	if snap == nil {
		return "", nil, RegistryUnavailableError{}
	}
	if m := snap.Find(id); m != nil {
		id = m.ID
	}
	entries, err := h.History(ctx, id, limit)
	if err != nil {
		s.log.Error("store: history read failed", "model", id, "err", err)
		return "", nil, &StoreError{Message: "Failed to read model history: " + store.Reason(err) + ".", Err: err}
	}
	if len(entries) == 0 && snap.Exact(id) == nil {
		return "", nil, &ModelNotFoundError{ID: id}
	}
	return id, entries, nil
}

// EpochNotFoundError means a rollback named an epoch at which the model's
// state is not known: after the current epoch, or before its recorded
// history (HTTP 404).
type EpochNotFoundError struct {
	ModelID string
	Epoch   int64
	Current int64
}

func (e *EpochNotFoundError) Error() string {
	if e.Epoch > e.Current {
		return fmt.Sprintf("Epoch %d is after the current epoch %d.", e.Epoch, e.Current)
	}
	return fmt.Sprintf("The history of model '%s' does not reach back to epoch %d.", e.ModelID, e.Epoch)
}
