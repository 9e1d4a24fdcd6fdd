// Package listhash hashes JSON lists of canonical entries, as bundles_hash
// and bundle_config_hash do: the SHA-256 of "[" + entries joined by "," +
// "]", and a Set that keeps such a list in id order and resumes its digest
// after a change instead of re-hashing everything.
package listhash

import (
	"crypto/sha256"
	"encoding/hex"
)

// Separators as package-level slices: a literal passed to the hash.Hash
// interface would escape and allocate on every write.
var (
	hashOpen  = []byte{'['}
	hashSep   = []byte{','}
	hashClose = []byte{']'}
)

// Digest returns the SHA-256 hex digest of "[" + entries joined by "," +
// "]", or "" when there are no entries (a digest over nothing is the empty
// string). Callers pass the entries already in order.
func Digest(entries [][]byte) string {
	if len(entries) == 0 {
		return ""
	}
	h := sha256.New()
	// Writing through a small batch avoids building the joined text, which
	// for a large bundle is megabytes, and a hasher call per entry.
	w := newBatcher(h)
	defer w.release()
	w.write(hashOpen)
	for i, e := range entries {
		if i > 0 {
			w.write(hashSep)
		}
		w.write(e)
	}
	w.write(hashClose)
	w.flush()
	return hex.EncodeToString(h.Sum(nil))
}
