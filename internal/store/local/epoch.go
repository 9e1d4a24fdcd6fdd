package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/sieproject/sie/internal/store"
)

// snapshot identifies one version of the epoch file: the local analogue of
// an ETag. Every write puts another inode in place (a new one, or the slot
// swapped in) with the new content, so inode plus content changes whenever
// anyone else writes (an exchange can bring back an inode this instance saw,
// but then with another epoch, unless a writer rolled back to exactly the
// state this instance last saw).
type snapshot struct {
	known  bool // false until the first read or write
	exists bool
	info   os.FileInfo
	data   []byte
}

func (a snapshot) same(b snapshot) bool {
	if a.exists != b.exists {
		return false
	}
	return !a.exists || (os.SameFile(a.info, b.info) && bytes.Equal(a.data, b.data))
}

func (s *Store) epochPath() string { return filepath.Join(s.base, store.EpochName) }

// ReadEpoch reads {base}/epoch (§8.2) and makes it the baseline for the next
// WriteEpoch.
func (s *Store) ReadEpoch(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	snap, err := s.readSnapshot()
	if err != nil {
		return 0, err
	}
	s.baseline = snap
	if !snap.exists {
		return 0, nil
	}
	return store.ParseEpoch(snap.data, s.Describe(), s.logger), nil
}

// WriteEpoch atomically replaces {base}/epoch, provided it is still the
// version this instance last read or wrote. Without a prior read the current
// file becomes the baseline (nothing to protect yet).
func (s *Store) WriteEpoch(ctx context.Context, epoch int64) error {
	if epoch < 0 {
		return fmt.Errorf("local store: negative epoch %d", epoch)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	unlock, err := lockDir(s.base)
	if err != nil {
		return fmt.Errorf("local store: lock %s: %w", s.base, err)
	}
	defer unlock()

	cur, err := s.readSnapshot()
	if err != nil {
		return err
	}
	if s.baseline.known && !cur.same(s.baseline) {
		return store.EpochConflict(fmt.Errorf("local store: %s changed since it was last read", s.epochPath()))
	}
	data := store.FormatEpoch(epoch)
	// The failure hook runs once per write, whichever way it goes.
	hooked := false
	hook := func() error {
		if hooked {
			return nil
		}
		hooked = true
		return s.hook(OpEpoch, store.EpochName)
	}
	err = errNoExchange
	var info os.FileInfo
	if cur.exists {
		info, err = s.exchangeEpoch(data, hook)
	}
	if errors.Is(err, errNoExchange) {
		info, err = writeAtomic(s.base, store.EpochName, data, hook)
	}
	if err != nil && info == nil && isNoSpace(err) {
		s.logger.Warn("local store: volume full; writing the epoch through the spare slot", "err", err)
		info, err = s.writeEpochInSlot(data)
	}
	if info != nil {
		// The new file is in place even if the directory fsync failed; the
		// caller's rollback write must be conditional on it.
		s.baseline = snapshot{known: true, exists: true, info: info, data: data}
	}
	if err != nil {
		return fmt.Errorf("local store: write %s: %w", store.EpochName, err)
	}
	return nil
}

// readSnapshot reads content and identity from one descriptor, so both
// describe the same file even if it is replaced meanwhile.
func (s *Store) readSnapshot() (snapshot, error) {
	f, err := openFile(s.epochPath(), os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return snapshot{known: true}, nil
	}
	if err != nil {
		return snapshot{}, fmt.Errorf("local store: read %s: %w", store.EpochName, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err == nil && info.IsDir() {
		err = fmt.Errorf("%s is a directory", s.epochPath())
	}
	var data []byte
	if err == nil {
		data, err = io.ReadAll(f)
	}
	if err != nil {
		return snapshot{}, fmt.Errorf("local store: read %s: %w", store.EpochName, err)
	}
	return snapshot{known: true, exists: true, info: info, data: data}, nil
}
