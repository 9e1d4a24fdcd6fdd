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

// PreparedModel is a model document written and fsynced to its temp file,
// not yet renamed into place. Splitting the write lets the caller fsync the
// document while the epoch is being written, and still rename it only after
// the epoch is durable (sie-config.md §10.1 keeps that order).
type PreparedModel struct {
	store *Store
	name  string
	tmp   string
	done  bool
}

// PrepareModel performs steps 1–3 of the atomic write (§8.3) for the model's
// file: create the temp file, write, fsync, close.
func (s *Store) PrepareModel(ctx context.Context, id string, text []byte) (store.PreparedWrite, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	name := store.FileName(id)
	if err := store.CheckName(name); err != nil {
		return nil, fmt.Errorf("local store: write %q: %w", name, err)
	}
	f, tmp, err := createTemp(s.models, name)
	if errors.Is(err, fs.ErrNotExist) {
		// The models directory is made by the first write (one stat less
		// for every later one).
		if err = os.MkdirAll(s.models, 0o755); err == nil {
			f, tmp, err = createTemp(s.models, name)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("local store: write %s/%s: %w", store.ModelsDir, name, err)
	}
	if _, err := fill(f, text, false); err != nil {
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("local store: write %s/%s: %w", store.ModelsDir, name, err)
	}
	return &PreparedModel{store: s, name: name, tmp: tmp}, nil
}

// Commit performs steps 4–5: rename over the target and fsync the directory.
// On failure before the rename the temp file is removed.
func (p *PreparedModel) Commit() error {
	if err := p.Place(); err != nil {
		return err
	}
	return p.store.SyncModels()
}

// Place performs step 4 alone: the rename over the target (the temp file is
// removed on failure). The rename is durable once SyncModels returns, so a
// group of writes shares one directory fsync.
func (p *PreparedModel) Place() error {
	p.done = true
	err := p.store.hook(OpModel, p.name)
	if err == nil {
		err = os.Rename(p.tmp, filepath.Join(p.store.models, p.name))
	}
	if err != nil {
		_ = os.Remove(p.tmp)
		return fmt.Errorf("local store: write %s/%s: %w", store.ModelsDir, p.name, err)
	}
	return nil
}

// SyncModels fsyncs the models directory: the renames and unlinks made in
// it so far (Place, RemoveModel) survive a crash once it returns.
func (s *Store) SyncModels() error {
	if err := syncDir(s.models); err != nil {
		return fmt.Errorf("local store: sync %s: %w", store.ModelsDir, err)
	}
	return nil
}

// Abort removes the temp file; it does nothing after Commit.
func (p *PreparedModel) Abort() {
	if !p.done {
		p.done = true
		_ = os.Remove(p.tmp)
	}
}
