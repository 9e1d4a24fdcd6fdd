package gcsstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"

	"github.com/sieproject/sie/internal/store"
)

// modelsPrefix is "{prefix}/models/" (or "models/").
func (s *Store) modelsPrefix() string { return s.loc.Key(store.ModelsDir + "/") }

func (s *Store) modelKey(name string) string { return s.modelsPrefix() + name }

// ListModelFiles lists direct children of models/ (delimiter "/").
func (s *Store) ListModelFiles(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	prefix := s.modelsPrefix()
	q := &storage.Query{Prefix: prefix, Delimiter: "/"}
	if err := q.SetAttrSelection([]string{"Name"}); err != nil {
		return nil, err
	}
	it := s.bucket.Objects(ctx, q)
	names := []string{}
	for {
		attrs, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("gcs store: list %s: %w", prefix, err)
		}
		// Entries with only Prefix set are the "sub-directories".
		name, ok := strings.CutPrefix(attrs.Name, prefix)
		if attrs.Prefix == "" && ok && store.IsModelFile(name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// ReadModelFile reads models/<name>; a missing object is store.ErrNotFound.
func (s *Store) ReadModelFile(ctx context.Context, name string) ([]byte, error) {
	if err := store.CheckName(name); err != nil {
		return nil, fmt.Errorf("gcs store: read %q: %w", name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	key := s.modelKey(name)
	r, err := s.object(key).NewReader(ctx)
	if errors.Is(err, storage.ErrObjectNotExist) {
		return nil, fmt.Errorf("gcs store: read %s: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("gcs store: read %s: %w", key, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("gcs store: read %s: %w", key, err)
	}
	return data, nil
}

// WriteModel uploads models/<FileName(id)>; GCS replaces objects atomically.
func (s *Store) WriteModel(ctx context.Context, id string, text []byte) error {
	name := store.FileName(id)
	if err := store.CheckName(name); err != nil {
		return fmt.Errorf("gcs store: write %q: %w", name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	key := s.modelKey(name)
	if _, err := upload(ctx, s.object(key), text, "application/x-yaml"); err != nil {
		return fmt.Errorf("gcs store: write %s: %w", key, err)
	}
	return nil
}

// DeleteModel deletes models/<FileName(id)>; not found is success.
func (s *Store) DeleteModel(ctx context.Context, id string) error {
	name := store.FileName(id)
	if err := store.CheckName(name); err != nil {
		return fmt.Errorf("gcs store: delete %q: %w", name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	key := s.modelKey(name)
	err := s.object(key).Delete(ctx)
	if err != nil && !errors.Is(err, storage.ErrObjectNotExist) {
		return fmt.Errorf("gcs store: delete %s: %w", key, err)
	}
	return nil
}
