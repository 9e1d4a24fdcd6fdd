//go:build !unix

package local

// lockDir is a no-op where flock is unavailable; the in-process mutex still
// orders this instance's writes.
func lockDir(string) (func(), error) { return func() {}, nil }
