package objectstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sieproject/sie/internal/store"
)

// DefaultTimeout bounds one store call, retries included, so a hung
// endpoint cannot hold sie-config's write lock forever.
const DefaultTimeout = 30 * time.Second

// maxEpochBytes caps the epoch and generation reads: anything longer is
// garbage anyway.
const maxEpochBytes = 1 << 10

// Config describes one store.
type Config struct {
	Bucket Bucket
	// Location is the store's URL form (scheme, bucket, prefix).
	Location store.Location
	// Name prefixes error messages ("s3 store").
	Name string
	// Logger receives warnings. Nil discards.
	Logger *slog.Logger
	// Timeout bounds each call; zero means DefaultTimeout.
	Timeout time.Duration
	// ConfirmMissingEpoch probes the bucket when the epoch object is
	// missing, for services whose reads answer a missing bucket with the
	// same "not found" as a missing object: a store whose bucket is gone
	// must not read as empty.
	ConfirmMissingEpoch bool
	// NoVersionWarning is logged when the service returns no version for
	// the epoch, whose writes then cannot be conditional.
	NoVersionWarning string
}

// Store is a config store in one bucket under an optional prefix. It is
// safe for concurrent use.
type Store struct {
	cfg    Config
	logger *slog.Logger

	mu       sync.Mutex // guards baseline and orders epoch writes
	baseline version
}

var _ store.Store = (*Store)(nil)

// version is the epoch object as last seen by this instance.
type version struct {
	known  bool // false until the first read or write
	exists bool
	tag    string
}

// New returns the store described by cfg. It makes no request: the
// caller's first ReadEpoch is the reachability check.
func New(cfg Config) *Store {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &Store{cfg: cfg, logger: store.Logger(cfg.Logger)}
}

// Describe returns the store URL, "scheme://bucket[/prefix]".
func (s *Store) Describe() string { return s.cfg.Location.String() }

// Close closes the bucket's client if it owns it.
func (s *Store) Close() error { return s.cfg.Bucket.Close() }

func (s *Store) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.cfg.Timeout)
}

func (s *Store) errorf(format string, args ...any) error {
	return fmt.Errorf(s.cfg.Name+": "+format, args...)
}

func (s *Store) key(name string) string { return s.cfg.Location.Key(name) }

// modelsPrefix is "{prefix}/models/" (or "models/").
func (s *Store) modelsPrefix() string { return s.key(store.ModelsDir + "/") }

// Ping lists at most one model object: it needs only the list permission
// the store needs anyway, and it fails on a missing bucket.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	if err := s.cfg.Bucket.Probe(ctx, s.modelsPrefix()); err != nil {
		return s.errorf("ping %s: %w", s.Describe(), err)
	}
	return nil
}

// ReadEpoch reads {prefix}/epoch (§8.2) and remembers its version.
func (s *Store) ReadEpoch(ctx context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := s.readEpochLocked(ctx)
	if err != nil || data == nil {
		return 0, err
	}
	return store.ParseEpoch(data, s.Describe(), s.logger), nil
}

// readEpochLocked fetches the epoch and updates the baseline. It returns
// nil data when the object is missing.
func (s *Store) readEpochLocked(ctx context.Context) ([]byte, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	key := s.key(store.EpochName)
	data, tag, err := s.cfg.Bucket.Get(ctx, key, maxEpochBytes+1)
	if errors.Is(err, ErrObjectMissing) {
		if s.cfg.ConfirmMissingEpoch {
			if err := s.Ping(ctx); err != nil {
				return nil, err
			}
		}
		s.baseline = version{known: true}
		return nil, nil
	}
	if err != nil {
		return nil, s.errorf("read %s: %w", key, err)
	}
	if len(data) > maxEpochBytes {
		data = []byte("<oversized>")
	}
	s.baseline = version{known: true, exists: true, tag: tag}
	if tag == "" && s.cfg.NoVersionWarning != "" {
		s.logger.Warn(s.cfg.NoVersionWarning, "store", s.Describe())
	}
	return data, nil
}

// WriteEpoch writes the epoch conditionally: on the version last seen, or
// on its absence when the object was missing. Without a prior read it
// first reads, to have a baseline.
func (s *Store) WriteEpoch(ctx context.Context, epoch int64) error {
	if epoch < 0 {
		return s.errorf("negative epoch %d", epoch)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.baseline.known {
		if _, err := s.readEpochLocked(ctx); err != nil {
			return err
		}
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	var cond Condition
	switch {
	case !s.baseline.exists:
		cond.Absent = true
	case s.baseline.tag != "":
		cond.Match = s.baseline.tag
	}
	key := s.key(store.EpochName)
	tag, err := s.cfg.Bucket.Put(ctx, key, store.FormatEpoch(epoch), "text/plain", cond)
	if errors.Is(err, ErrConditionFailed) {
		// The baseline stays stale on purpose: a second writer exists and
		// every later write must fail until someone looks.
		return store.EpochConflict(err)
	}
	if err != nil {
		return s.errorf("write %s: %w", key, err)
	}
	s.baseline = version{known: true, exists: true, tag: tag}
	return nil
}

// ReadGeneration reads {prefix}/generation; a missing object is "".
func (s *Store) ReadGeneration(ctx context.Context) (string, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	key := s.key(store.GenerationName)
	data, _, err := s.cfg.Bucket.Get(ctx, key, maxEpochBytes)
	if errors.Is(err, ErrObjectMissing) {
		return "", nil
	}
	if err != nil {
		return "", s.errorf("read %s: %w", key, err)
	}
	return store.ParseGeneration(data, s.Describe(), s.logger), nil
}

// WriteGeneration writes {prefix}/generation.
func (s *Store) WriteGeneration(ctx context.Context, gen string) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	key := s.key(store.GenerationName)
	if _, err := s.cfg.Bucket.Put(ctx, key, []byte(gen), "text/plain", Condition{}); err != nil {
		return s.errorf("write %s: %w", key, err)
	}
	return nil
}

// ListModelFiles lists the direct children of models/ that are model files,
// sorted.
func (s *Store) ListModelFiles(ctx context.Context) ([]string, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	prefix := s.modelsPrefix()
	keys, err := s.cfg.Bucket.List(ctx, prefix)
	if err != nil {
		return nil, s.errorf("list %s: %w", prefix, err)
	}
	names := []string{}
	for _, key := range keys {
		name, ok := strings.CutPrefix(key, prefix)
		if ok && store.IsModelFile(name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// ReadModelFile reads models/<name>; a missing object is store.ErrNotFound.
func (s *Store) ReadModelFile(ctx context.Context, name string) ([]byte, error) {
	if err := store.CheckName(name); err != nil {
		return nil, s.errorf("read %q: %w", name, err)
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	key := s.modelsPrefix() + name
	data, _, err := s.cfg.Bucket.Get(ctx, key, 0)
	if errors.Is(err, ErrObjectMissing) {
		return nil, s.errorf("read %s: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return nil, s.errorf("read %s: %w", key, err)
	}
	return data, nil
}

// WriteModel writes models/<FileName(id)>; objects are replaced atomically.
func (s *Store) WriteModel(ctx context.Context, id string, text []byte) error {
	name := store.FileName(id)
	if err := store.CheckName(name); err != nil {
		return s.errorf("write %q: %w", name, err)
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	key := s.modelsPrefix() + name
	if _, err := s.cfg.Bucket.Put(ctx, key, text, "application/x-yaml", Condition{}); err != nil {
		return s.errorf("write %s: %w", key, err)
	}
	return nil
}

// DeleteModel deletes models/<FileName(id)>; a missing object is success.
func (s *Store) DeleteModel(ctx context.Context, id string) error {
	name := store.FileName(id)
	if err := store.CheckName(name); err != nil {
		return s.errorf("delete %q: %w", name, err)
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	key := s.modelsPrefix() + name
	if err := s.cfg.Bucket.Delete(ctx, key); err != nil {
		return s.errorf("delete %s: %w", key, err)
	}
	return nil
}
