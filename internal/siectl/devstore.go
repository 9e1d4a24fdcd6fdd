package siectl

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// devStoreDir is sie-config's store inside the dev data directory:
// DATA_DIR/store, apart from the catalog and example files dev writes
// there. A data directory from an older siectl, whose store lay at its top
// (DATA_DIR/epoch and DATA_DIR/models), is moved into store/ once.
func devStoreDir(dataDir string) (string, error) {
	store := filepath.Join(dataDir, "store")
	if _, err := os.Stat(store); err == nil {
		return store, nil
	}
	legacyEpoch := filepath.Join(dataDir, "epoch")
	if _, err := os.Stat(legacyEpoch); errors.Is(err, os.ErrNotExist) {
		return store, nil
	}
	if err := os.MkdirAll(store, 0o755); err != nil {
		return "", err
	}
	for _, name := range []string{"epoch", "models"} {
		from := filepath.Join(dataDir, name)
		if _, err := os.Stat(from); errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err := os.Rename(from, filepath.Join(store, name)); err != nil {
			return "", fmt.Errorf("move the store of %s into %s: %w", dataDir, store, err)
		}
	}
	return store, nil
}
