package local

import (
	"errors"

	"golang.org/x/sys/unix"
)

// exchange atomically swaps the files at a and b (renameat2 with
// RENAME_EXCHANGE). errNoExchange: the file system cannot, or one of them
// is missing; nothing changed.
func exchange(a, b string) error {
	err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.ENOENT):
		return errNoExchange
	default:
		return err
	}
}
