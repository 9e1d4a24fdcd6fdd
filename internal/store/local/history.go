package local

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/store/journal"
)

// OpHistory is the Options.FailWrites operation of a history append (the
// name passed is the journal's file name).
const OpHistory = "history"

var _ store.Historian = (*Store)(nil)

// openHistory reads the journal beside models/ (a store without one starts
// its history at the first journaled write).
func (s *Store) openHistory() error {
	j, err := journal.Open(filepath.Join(s.base, journal.FileName), s.logger)
	if err != nil {
		return fmt.Errorf("local store: %w", err)
	}
	s.history = j
	return nil
}

// AppendHistory appends entries to {base}/history.log and fsyncs it.
func (s *Store) AppendHistory(ctx context.Context, entries ...store.HistoryEntry) error {
	if err := s.hook(OpHistory, journal.FileName); err != nil {
		return fmt.Errorf("local store: %w", err)
	}
	if err := s.history.Append(ctx, entries...); err != nil {
		return fmt.Errorf("local store: %w", err)
	}
	return nil
}

// History returns the model's journaled changes, newest first.
func (s *Store) History(ctx context.Context, id string, limit int) ([]store.HistoryEntry, error) {
	es, err := s.history.History(ctx, id, limit)
	if err != nil {
		return nil, fmt.Errorf("local store: %w", err)
	}
	return es, nil
}
