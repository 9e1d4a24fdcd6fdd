package catalog

import (
	"slices"
	"sort"
)

// EntrySet holds canonical hash entries keyed by model id, kept in id order,
// and caches the digest over them. A change to one model costs one
// re-serialization (done by the caller) plus one SHA-256 pass over the cached
// bytes; nothing else is re-encoded. It is not safe for concurrent use.
type EntrySet struct {
	ids    []string // code-point order
	vals   [][]byte // vals[i] is the entry of ids[i]
	digest string
	fresh  bool
}

// NewEntrySet returns an empty set.
func NewEntrySet() *EntrySet {
	return &EntrySet{fresh: true}
}

func (s *EntrySet) find(id string) (int, bool) {
	i := sort.SearchStrings(s.ids, id)
	return i, i < len(s.ids) && s.ids[i] == id
}

// Put stores (or replaces) the entry for id. The slice is kept, not copied:
// callers must not modify it afterwards.
func (s *EntrySet) Put(id string, entry []byte) {
	i, ok := s.find(id)
	if ok {
		s.vals[i] = entry
	} else {
		s.ids = slices.Insert(s.ids, i, id)
		s.vals = slices.Insert(s.vals, i, entry)
	}
	s.fresh = false
}

// Delete removes id; absent ids are ignored.
func (s *EntrySet) Delete(id string) {
	i, ok := s.find(id)
	if !ok {
		return
	}
	s.ids = slices.Delete(s.ids, i, i+1)
	s.vals = slices.Delete(s.vals, i, i+1)
	s.fresh = false
}

// Get returns the entry stored for id.
func (s *EntrySet) Get(id string) ([]byte, bool) {
	if i, ok := s.find(id); ok {
		return s.vals[i], true
	}
	return nil, false
}

// Len returns the number of entries.
func (s *EntrySet) Len() int { return len(s.ids) }

// IDs returns the ids in code-point order (a copy).
func (s *EntrySet) IDs() []string { return slices.Clone(s.ids) }

// Hash returns the SHA-256 hex digest of "[" + entries in id order joined by
// "," + "]", or "" for an empty set. The digest is cached until the next
// change.
func (s *EntrySet) Hash() string {
	if !s.fresh {
		s.digest = HashEntries(s.vals)
		s.fresh = true
	}
	return s.digest
}

// Clone returns an independent set sharing the (immutable) entry bytes, for
// copy-on-write snapshots.
func (s *EntrySet) Clone() *EntrySet {
	return &EntrySet{
		ids:    slices.Clone(s.ids),
		vals:   slices.Clone(s.vals),
		digest: s.digest,
		fresh:  s.fresh,
	}
}
