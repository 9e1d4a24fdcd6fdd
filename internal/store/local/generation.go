package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/sieproject/sie/internal/store"
)

// ReadGeneration reads {base}/generation.
func (s *Store) ReadGeneration(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	data, err := os.ReadFile(filepath.Join(s.base, store.GenerationName))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("local store: read %s: %w", store.GenerationName, err)
	}
	return store.ParseGeneration(data, s.Describe(), s.logger), nil
}

// WriteGeneration replaces {base}/generation atomically (§8.3 rules).
func (s *Store) WriteGeneration(ctx context.Context, gen string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := writeAtomic(s.base, store.GenerationName, []byte(gen), func() error { return nil }); err != nil {
		return fmt.Errorf("local store: write %s: %w", store.GenerationName, err)
	}
	return nil
}
