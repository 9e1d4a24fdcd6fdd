//go:build unix

package local

import (
	"os"
	"syscall"
)

// lockDir takes an exclusive flock on dir itself, so no lock file is added
// to the byte-compatible layout. flock locks belong to the open file
// description, so two Store instances in one process exclude each other
// just like two processes do.
func lockDir(dir string) (unlock func(), err error) {
	d, err := openFile(dir, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(d.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		d.Close()
		return nil, err
	}
	// Closing the descriptor releases the lock.
	return func() { d.Close() }, nil
}
