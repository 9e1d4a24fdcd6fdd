package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/sieproject/sie/internal/store"
)

// ListModelFiles lists the model files directly in {base}/models.
func (s *Store) ListModelFiles(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(s.models)
	if err != nil {
		return nil, fmt.Errorf("local store: list %s: %w", store.ModelsDir, err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() && store.IsModelFile(e.Name()) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// ReadModelFile returns {base}/models/<name>.
func (s *Store) ReadModelFile(ctx context.Context, name string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := store.CheckName(name); err != nil {
		return nil, fmt.Errorf("local store: read %q: %w", name, err)
	}
	data, err := os.ReadFile(filepath.Join(s.models, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("local store: read %s/%s: %w", store.ModelsDir, name, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("local store: read %s/%s: %w", store.ModelsDir, name, err)
	}
	return data, nil
}

// WriteModel atomically replaces the model's file (§8.3).
func (s *Store) WriteModel(ctx context.Context, id string, text []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name := store.FileName(id)
	if err := store.CheckName(name); err != nil {
		return fmt.Errorf("local store: write %q: %w", name, err)
	}
	_, err := writeAtomic(s.models, name, text, func() error { return s.hook(OpModel, name) })
	if err != nil {
		return fmt.Errorf("local store: write %s/%s: %w", store.ModelsDir, name, err)
	}
	return nil
}

// DeleteModel unlinks the model's file and fsyncs the directory. A missing
// file is success and needs no fsync: nothing changed.
func (s *Store) DeleteModel(ctx context.Context, id string) error {
	removed, err := s.RemoveModel(ctx, id)
	if err != nil || !removed {
		return err
	}
	if err := syncDir(s.models); err != nil {
		return fmt.Errorf("local store: delete %s/%s: %w", store.ModelsDir, store.FileName(id), err)
	}
	return nil
}

// RemoveModel unlinks the model's file without the directory fsync (see
// SyncModels) and reports whether there was one.
func (s *Store) RemoveModel(ctx context.Context, id string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	name := store.FileName(id)
	if err := store.CheckName(name); err != nil {
		return false, fmt.Errorf("local store: delete %q: %w", name, err)
	}
	if err := s.hook(OpDelete, name); err != nil {
		return false, fmt.Errorf("local store: delete %s/%s: %w", store.ModelsDir, name, err)
	}
	err := os.Remove(filepath.Join(s.models, name))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("local store: delete %s/%s: %w", store.ModelsDir, name, err)
	}
	return true, nil
}
