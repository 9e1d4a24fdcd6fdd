package local

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// tempPattern matches the temp files writeAtomic creates.
const tempPattern = ".*.tmp"

// removeStaleTemps deletes temp files a crash left in dir (§8.3). A listing
// failure is an error (the store is unreadable); a failed removal is only
// logged, since a leftover temp file is hidden from listings anyway.
func removeStaleTemps(dir string, logger *slog.Logger) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("local store: list %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if ok, _ := filepath.Match(tempPattern, e.Name()); !ok {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			logger.Warn("cannot remove stale temp file", "path", path, "error", err)
			continue
		}
		logger.Info("removed stale temp file", "path", path)
	}
	return nil
}
