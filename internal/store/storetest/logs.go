package storetest

import (
	"context"
	"log/slog"
	"sync"
)

// Recorder is a slog.Handler that keeps records so tests can assert on
// warnings.
type Recorder struct {
	mu      sync.Mutex
	records []slog.Record
}

// Logger returns a logger writing to r.
func (r *Recorder) Logger() *slog.Logger { return slog.New(r) }

// Enabled accepts every level.
func (r *Recorder) Enabled(context.Context, slog.Level) bool { return true }

// Handle stores the record.
func (r *Recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec.Clone())
	return nil
}

// WithAttrs ignores attributes: assertions only look at level and message.
func (r *Recorder) WithAttrs([]slog.Attr) slog.Handler { return r }

// WithGroup ignores groups for the same reason.
func (r *Recorder) WithGroup(string) slog.Handler { return r }

// Count returns how many records at level or above were logged.
func (r *Recorder) Count(level slog.Level) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, rec := range r.records {
		if rec.Level >= level {
			n++
		}
	}
	return n
}
