package gcsstore

import (
	"context"
	"errors"
	"fmt"
	"io"

	"cloud.google.com/go/storage"

	"github.com/sieproject/sie/internal/store"
)

func (s *Store) generationKey() string { return s.loc.Key(store.GenerationName) }

// ReadGeneration reads {prefix}/generation; a missing object is "".
func (s *Store) ReadGeneration(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	r, err := s.object(s.generationKey()).NewReader(ctx)
	if errors.Is(err, storage.ErrObjectNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("gcs store: read %s: %w", s.generationKey(), err)
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, maxEpochBytes))
	if err != nil {
		return "", fmt.Errorf("gcs store: read %s: %w", s.generationKey(), err)
	}
	return store.ParseGeneration(data, s.Describe(), s.logger), nil
}

// WriteGeneration uploads {prefix}/generation.
func (s *Store) WriteGeneration(ctx context.Context, gen string) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if _, err := upload(ctx, s.object(s.generationKey()), []byte(gen), "text/plain"); err != nil {
		return fmt.Errorf("gcs store: write %s: %w", s.generationKey(), err)
	}
	return nil
}
