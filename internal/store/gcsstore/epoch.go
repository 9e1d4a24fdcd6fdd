package gcsstore

import (
	"context"
	"errors"
	"fmt"
	"io"

	"cloud.google.com/go/storage"

	"github.com/sieproject/sie/internal/store"
)

// maxEpochBytes caps the epoch read: anything longer is garbage anyway.
const maxEpochBytes = 1 << 10

// version is the epoch object as last seen by this instance.
type version struct {
	known      bool // false until the first read or write
	exists     bool
	generation int64
}

func (s *Store) epochKey() string { return s.loc.Key(store.EpochName) }

// ReadEpoch reads {prefix}/epoch (§8.2) and remembers its generation.
func (s *Store) ReadEpoch(ctx context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := s.readEpochLocked(ctx)
	if err != nil || data == nil {
		return 0, err
	}
	return store.ParseEpoch(data, s.Describe(), s.logger), nil
}

// readEpochLocked fetches the epoch and updates the baseline; nil data means
// missing. GCS reads answer a bare "not found" for a missing bucket too, so
// a missing epoch is confirmed by a list, which does tell the two apart: a
// store whose bucket is gone must not read as empty.
func (s *Store) readEpochLocked(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	r, err := s.object(s.epochKey()).NewReader(ctx)
	if errors.Is(err, storage.ErrObjectNotExist) {
		if err := s.Ping(ctx); err != nil {
			return nil, err
		}
		s.baseline = version{known: true}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("gcs store: read %s: %w", s.epochKey(), err)
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, maxEpochBytes+1))
	if err != nil {
		return nil, fmt.Errorf("gcs store: read %s: %w", s.epochKey(), err)
	}
	if len(data) > maxEpochBytes {
		data = []byte("<oversized>")
	}
	s.baseline = version{known: true, exists: true, generation: r.Attrs.Generation}
	return data, nil
}

// WriteEpoch uploads the epoch with ifGenerationMatch: the last generation
// seen, or 0 (DoesNotExist) when the object was absent. Without a prior
// read it first reads, to have a baseline.
func (s *Store) WriteEpoch(ctx context.Context, epoch int64) error {
	if epoch < 0 {
		return fmt.Errorf("gcs store: negative epoch %d", epoch)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.baseline.known {
		if _, err := s.readEpochLocked(ctx); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	cond := storage.Conditions{DoesNotExist: true}
	if s.baseline.exists {
		cond = storage.Conditions{GenerationMatch: s.baseline.generation}
	}
	attrs, err := upload(ctx, s.object(s.epochKey()).If(cond), store.FormatEpoch(epoch), "text/plain")
	if isPreconditionFailed(err) {
		// The baseline stays stale on purpose: a second writer exists and
		// every later write must fail until someone looks.
		return store.EpochConflict(err)
	}
	if err != nil {
		return fmt.Errorf("gcs store: write %s: %w", s.epochKey(), err)
	}
	s.baseline = version{known: true, exists: true, generation: attrs.Generation}
	return nil
}
