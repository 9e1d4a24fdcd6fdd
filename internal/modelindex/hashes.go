package modelindex

import (
	"iter"

	"github.com/sieproject/sie/internal/listhash"
)

// hashes maps each bundle to its entries and digest. It is immutable: a
// change copies the map (one pointer per bundle) and derives the touched
// bundles' sets, which share all but one chunk of their entries.
type hashes map[string]*bundleHash

// bundleHash is one bundle's entry set and its digest. The set is never
// modified once the bundleHash is shared.
type bundleHash struct {
	set     *listhash.Set
	digest  string
	pending bool // digest is still to be computed
}

// buildHashes collects the entries of items per bundle, each set sorted
// once.
func buildHashes[T Item](items []T) hashes {
	perBundle := map[string]map[string][]byte{}
	for _, it := range items {
		for b, entry := range it.HashEntries() {
			if perBundle[b] == nil {
				perBundle[b] = map[string][]byte{}
			}
			perBundle[b][it.Key()] = entry
		}
	}
	h := make(hashes, len(perBundle))
	for b, entries := range perBundle {
		h[b] = &bundleHash{set: listhash.NewSetFrom(entries), pending: true}
	}
	return h
}

// replace returns the hashes after key's entries old are replaced by next
// (either may be nil); only the bundles either names are copied.
func (h hashes) replace(key string, old, next iter.Seq2[string, []byte]) hashes {
	entries := map[string][]byte{}
	touched := map[string]bool{}
	if old != nil {
		for b := range old {
			touched[b] = true
		}
	}
	if next != nil {
		for b, e := range next {
			touched[b] = true
			entries[b] = e
		}
	}
	if len(touched) == 0 {
		return h
	}
	out := make(hashes, len(h)+len(touched))
	for b, bh := range h {
		out[b] = bh
	}
	for b := range touched {
		var set *listhash.Set
		if prev := h[b]; prev != nil {
			set = prev.set.Clone()
		} else {
			set = listhash.NewSet()
		}
		if e, ok := entries[b]; ok {
			set.Put(key, e)
		} else {
			set.Delete(key)
		}
		out[b] = &bundleHash{set: set, pending: true}
	}
	return out
}

func (h hashes) digest(bundle string) string {
	bh := h[bundle]
	switch {
	case bh == nil:
		return ""
	case bh.pending:
		_, d := bh.set.Digested()
		return d
	}
	return bh.digest
}

func (h hashes) pending() bool {
	for _, bh := range h {
		if bh.pending {
			return true
		}
	}
	return false
}

// settled returns the hashes with every pending digest computed; the
// digested sets keep the hasher states saved on the way, so the next
// change re-hashes only from where it starts.
func (h hashes) settled() hashes {
	out := make(hashes, len(h))
	for b, bh := range h {
		if bh.pending {
			set, d := bh.set.Digested()
			bh = &bundleHash{set: set, digest: d}
		}
		out[b] = bh
	}
	return out
}
