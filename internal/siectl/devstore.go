package siectl

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The stores `siectl dev --store` offers.
const (
	devStoreLocal = "local"
	devStoreNATS  = "nats"
	// devStoreBucket names the JetStream store: stream SIE_CONFIG_sie-dev.
	devStoreBucket = "sie-dev"
)

func checkDevStore(store string) error {
	if store == devStoreLocal || store == devStoreNATS {
		return nil
	}
	return &ExitError{Code: 2, Err: fmt.Errorf("--store must be local or nats, got %q", store)}
}

// devStore returns sie-config's store location (SIE_CONFIG_STORE_DIR) and
// notes what the banner shows. A nats store lives in the embedded NATS,
// whose JetStream data is DATA_DIR/jetstream (natsOptions), so a restart
// with the same --data-dir finds it again.
func (cl *devCluster) devStore(d *devOptions) (string, error) {
	if d.store == devStoreNATS {
		url := "nats://" + devStoreBucket
		cl.store = url + " (JetStream data in " + filepath.Join(cl.dataDir, "jetstream") + ")"
		return url, nil
	}
	dir, err := devStoreDir(cl.dataDir)
	cl.store = dir
	return dir, err
}

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
