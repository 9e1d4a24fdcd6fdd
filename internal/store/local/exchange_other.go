//go:build !linux

package local

// exchange is Linux's renameat2 RENAME_EXCHANGE; elsewhere the epoch is
// always replaced the usual way.
func exchange(string, string) error { return errNoExchange }
