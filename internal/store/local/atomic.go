package local

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// writeAtomic replaces dir/name with data exactly as sie-config.md §8.3
// prescribes:
//
//  1. create dir (0755);
//  2. create ".{name}.{random}.tmp" in dir with O_CREAT|O_EXCL, mode 0600;
//  3. write all bytes, fsync, close;
//  4. rename over the target;
//  5. fsync dir.
//
// beforeRename runs between 3 and 4 (failure injection). Any failure before
// the rename removes the temp file. The returned FileInfo describes the new
// file and is non-nil whenever the rename happened, even if the directory
// fsync then failed: the new content is in place (though maybe not durable)
// and the caller's epoch baseline must follow it.
func writeAtomic(dir, name string, data []byte, beforeRename func() error) (os.FileInfo, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, tmp, err := createTemp(dir, name)
	if err != nil {
		return nil, err
	}
	info, err := fillAndClose(f, data)
	if err == nil {
		err = beforeRename()
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		// Best effort: the temp name is unique and startup cleanup sweeps
		// whatever a failed remove leaves behind.
		_ = os.Remove(tmp)
		return nil, err
	}
	if err := syncDir(dir); err != nil {
		return info, err
	}
	return info, nil
}

// maxNameBytes is the file-name limit of the file systems we run on.
const maxNameBytes = 255

// createTemp opens a fresh ".{name}.{random}.tmp" exclusively. The leading
// dot keeps it out of listings; O_EXCL makes a name collision a retry, never
// a shared file. A name too long for that form (the longest model ids reach
// the 255-byte limit on their own) is shortened in the temp name only; the
// form still matches the ".*.tmp" startup cleanup.
func createTemp(dir, name string) (*os.File, string, error) {
	for range 100 {
		suffix := "." + strconv.FormatUint(rand.Uint64(), 36) + ".tmp"
		stem := name
		if over := 1 + len(stem) + len(suffix) - maxNameBytes; over > 0 {
			stem = stem[:len(stem)-over]
		}
		tmp := filepath.Join(dir, "."+stem+suffix)
		f, err := openFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			return f, tmp, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, "", err
		}
	}
	return nil, "", fmt.Errorf("no free temp name for %s in %s", name, dir)
}

// fillAndClose writes data, fsyncs and closes f, always closing it, and
// returns the file's info.
func fillAndClose(f *os.File, data []byte) (os.FileInfo, error) {
	return fill(f, data, true)
}

// fill writes data, fsyncs and closes f, always closing it; with stat it
// returns the file's info.
func fill(f *os.File, data []byte, stat bool) (os.FileInfo, error) {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	var info os.FileInfo
	if err == nil && stat {
		info, err = f.Stat()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return info, err
}

// syncDir fsyncs a directory so a rename or unlink in it survives a crash.
func syncDir(dir string) error {
	d, err := openFile(dir, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
