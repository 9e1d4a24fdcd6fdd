// Package store is sie-config's durable config store (sie-config.md §8):
// the epoch object and one YAML file per API-layer model, on a local
// directory, S3 or GCS.
//
// Open turns a SIE_CONFIG_STORE_DIR value into a backend. The shared
// definitions live in store/core so that the backends can use them while
// this package imports the backends; they are re-exported here so callers
// need only this package.
package store

import "github.com/sieproject/sie/internal/store/core"

// Store is the backend contract; see core.Store.
type Store = core.Store

// Location is a parsed SIE_CONFIG_STORE_DIR value; see core.Location.
type Location = core.Location

// EpochConflictMessage is the exact store_unavailable message for a lost
// conditional epoch write (§8.4). The API layer must return it verbatim.
const EpochConflictMessage = core.EpochConflictMessage

var (
	// ErrEpochConflict matches errors from WriteEpoch when another writer
	// changed the epoch; such errors' Error() is EpochConflictMessage.
	ErrEpochConflict = core.ErrEpochConflict
	// ErrNotFound matches errors from ReadModelFile for a missing file.
	ErrNotFound = core.ErrNotFound
)

// FileName maps a model id to its file name under models/ ("/" → "__").
func FileName(id string) string { return core.FileName(id) }

// ParseLocation parses a SIE_CONFIG_STORE_DIR value; see core.ParseLocation.
func ParseLocation(raw string) (Location, error) { return core.ParseLocation(raw) }
