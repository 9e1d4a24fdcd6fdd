package local

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/store/journal"
)

// Operation names passed to Options.FailWrites.
const (
	OpEpoch  = "epoch"  // WriteEpoch
	OpModel  = "model"  // WriteModel
	OpDelete = "delete" // DeleteModel
)

// Options configures a local store.
type Options struct {
	// Logger receives warnings (garbage epoch, stale temp files). Nil
	// discards.
	Logger *slog.Logger

	// FailWrites is a failure-injection hook for tests of callers. When set
	// it is called by every mutating operation with op (OpEpoch, OpModel or
	// OpDelete) and the file name ("epoch", "org__m.yaml"). A non-nil result
	// fails the operation with that error wrapped:
	//   - writes: after the temp file is written and fsynced, before the
	//     rename, so the temp file is removed and the target is untouched;
	//   - deletes: before the unlink.
	// It must be safe for concurrent use.
	FailWrites func(op, name string) error
}

// Store is a config store rooted at a local directory. It is safe for
// concurrent use.
type Store struct {
	base   string
	models string
	logger *slog.Logger
	fail   func(op, name string) error

	mu       sync.Mutex // guards baseline and orders this instance's epoch writes
	baseline snapshot

	history *journal.Journal // {base}/history.log (history.go)
}

var _ store.Store = (*Store)(nil)

// Open prepares base as a store (§1.3 step 3): it creates {base}/models
// (mode 0755, parents included) and removes temp files a crash left behind.
// It does not read the epoch; the caller does that next.
func Open(base string, opts Options) (*Store, error) {
	s := &Store{
		base:   base,
		models: filepath.Join(base, store.ModelsDir),
		logger: store.Logger(opts.Logger),
		fail:   opts.FailWrites,
	}
	if err := os.MkdirAll(s.models, 0o755); err != nil {
		return nil, fmt.Errorf("local store: create %s: %w", s.models, err)
	}
	for _, dir := range []string{s.base, s.models} {
		if err := removeStaleTemps(dir, s.logger); err != nil {
			return nil, err
		}
	}
	s.ensureSlot()
	if err := s.openHistory(); err != nil {
		return nil, err
	}
	return s, nil
}

// Describe returns "local:<base>".
func (s *Store) Describe() string { return "local:" + s.base }

// Ping checks that the models directory is still there.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fi, err := os.Stat(s.models)
	if err != nil {
		return fmt.Errorf("local store: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("local store: %s is not a directory", s.models)
	}
	return nil
}

// Close does nothing: no descriptor outlives an operation.
func (s *Store) Close() error { return nil }

// hook runs the injected failure, if any, wrapping its error.
func (s *Store) hook(op, name string) error {
	if s.fail == nil {
		return nil
	}
	if err := s.fail(op, name); err != nil {
		return fmt.Errorf("injected failure (%s %s): %w", op, name, err)
	}
	return nil
}
