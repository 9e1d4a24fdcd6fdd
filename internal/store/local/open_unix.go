//go:build unix

package local

import (
	"os"
	"syscall"
)

// openFile opens a file or directory the store only reads, writes and
// fsyncs with blocking calls. os.OpenFile would also offer every regular
// file to the network poller (five more system calls each: fcntl four
// times and an epoll_ctl that Linux refuses); os.NewFile on a blocking
// descriptor skips that.
func openFile(path string, flag int, perm uint32) (*os.File, error) {
	for {
		fd, err := syscall.Open(path, flag|syscall.O_CLOEXEC, perm)
		switch err {
		case nil:
			return os.NewFile(uintptr(fd), path), nil
		case syscall.EINTR:
			continue
		default:
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
	}
}
