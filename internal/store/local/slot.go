package local

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// slotName is a spare file kept next to the epoch with its block already
// allocated. On a full volume the epoch cannot be written the usual way (a
// new temp file needs a new block), so it is written into the slot in
// place and the slot renamed over the epoch: atomic as always, and no new
// block needed. That keeps DELETE working on a full volume, which is how
// an operator frees space through the API. The old epoch's block is freed
// by the rename, so a new slot can usually be made at once.
const slotName = ".epoch.slot"

// slotSize is what the slot holds allocated: more than any epoch text.
const slotSize = 64

// isNoSpace reports a full volume or an exhausted quota.
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// ensureSlot creates the spare slot when it is missing. Best effort: a
// failure only means the next full-volume epoch write fails too.
func (s *Store) ensureSlot() {
	path := filepath.Join(s.base, slotName)
	if _, err := os.Stat(path); err == nil {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if !errors.Is(err, fs.ErrExist) {
			s.logger.Warn("local store: cannot create the spare epoch slot", "err", err)
		}
		return
	}
	if _, err := fillAndClose(f, make([]byte, slotSize)); err != nil {
		_ = os.Remove(path)
		s.logger.Warn("local store: cannot create the spare epoch slot", "err", err)
		return
	}
	_ = syncDir(s.base)
}

// writeEpochInSlot writes data into the spare slot in place (no new block),
// fsyncs it and renames it over the epoch. It returns the new file's info.
func (s *Store) writeEpochInSlot(data []byte) (os.FileInfo, error) {
	path := filepath.Join(s.base, slotName)
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("no spare epoch slot: %w", err)
	}
	info, err := overwriteSynced(f, data)
	if err != nil {
		return nil, err
	}
	if err := os.Rename(path, s.epochPath()); err != nil {
		return nil, err
	}
	err = syncDir(s.base)
	s.ensureSlot()
	if err != nil {
		return info, err
	}
	return info, nil
}

// errNoExchange: the epoch cannot be written by exchange with the slot
// here; nothing changed, write it the usual way.
var errNoExchange = errors.New("local store: no epoch exchange")

// exchangeEpoch writes data into the spare slot in place, fsyncs it and
// swaps it with the epoch in one atomic rename (RENAME_EXCHANGE), then
// fsyncs the directory: the old epoch becomes the slot. As atomic as the
// usual replace, but no inode is created or freed on the way, and that is
// what an ext4 volume spends most on (an inode allocation scans past the
// recently freed ones; with "discard" every freed block waits for the
// device). The slot keeps an allocated block, so the full-volume fallback
// still works. beforeSwap runs before the exchange (failure injection);
// its error is returned as is. errNoExchange: nothing changed.
func (s *Store) exchangeEpoch(data []byte, beforeSwap func() error) (os.FileInfo, error) {
	path := filepath.Join(s.base, slotName)
	f, err := openFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil, errNoExchange
	}
	info, err := overwriteSynced(f, data)
	if err != nil {
		return nil, errNoExchange
	}
	if err := beforeSwap(); err != nil {
		return nil, err
	}
	if err := exchange(path, s.epochPath()); err != nil {
		return nil, errNoExchange
	}
	return info, syncDir(s.base)
}

// overwriteSynced makes f's content data (written in place over its
// existing blocks), fsyncs and closes it, and returns its info.
func overwriteSynced(f *os.File, data []byte) (os.FileInfo, error) {
	_, err := f.WriteAt(data, 0)
	if err == nil {
		err = f.Truncate(int64(len(data)))
	}
	if err == nil {
		err = f.Sync()
	}
	var info os.FileInfo
	if err == nil {
		info, err = f.Stat()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return info, err
}
