//go:build !unix

package local

import "os"

// openFile is os.OpenFile where the Unix shortcut does not apply.
func openFile(path string, flag int, perm uint32) (*os.File, error) {
	return os.OpenFile(path, flag, os.FileMode(perm))
}
