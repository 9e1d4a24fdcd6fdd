package listhash

import (
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"hash"
	"iter"
	"slices"
	"sort"
	"strings"
)

// Set holds canonical hash entries keyed by model id, kept in id order,
// and caches the digest over them (the text "[" + entries joined by "," +
// "]"). After one model changes, the caller re-serializes that model only;
// the digest is then resumed from a saved SHA-256 state taken before the
// changed entry, so only the text from the change onwards is re-hashed.
// It is not safe for concurrent use; Clone it for copy-on-write snapshots.
type Set struct {
	ids    []string // code-point order
	vals   [][]byte // vals[i] is the entry of ids[i]
	digest string
	fresh  bool
	// marks are SHA-256 states saved while hashing, in index order; a mark
	// stays valid while no entry before its index changes.
	marks     []hashMark
	dirtyFrom int // lowest index changed since the last digest
}

// hashMark is the hasher state after writing "[" and entries [0, index)
// with their separators.
type hashMark struct {
	index int
	state []byte
}

// markEvery is the amount of text between saved states: small enough that
// resuming re-hashes little extra, large enough that saving (~100 bytes,
// ~100 ns) is negligible.
const markEvery = 32 << 10

// NewSet returns an empty set.
func NewSet() *Set {
	return &Set{fresh: true}
}

// NewSetFrom builds a set from id → entry in one sort, for bulk loads
// where one Put per entry would move the slices once per insert.
func NewSetFrom(entries map[string][]byte) *Set {
	s := &Set{ids: make([]string, 0, len(entries)), vals: make([][]byte, 0, len(entries))}
	for id := range entries {
		s.ids = append(s.ids, id)
	}
	sort.Strings(s.ids)
	for _, id := range s.ids {
		s.vals = append(s.vals, entries[id])
	}
	return s
}

func (s *Set) find(id string) (int, bool) {
	i := sort.SearchStrings(s.ids, id)
	return i, i < len(s.ids) && s.ids[i] == id
}

func (s *Set) touch(i int) {
	if s.fresh || i < s.dirtyFrom {
		s.dirtyFrom = i
	}
	s.fresh = false
}

// Put stores (or replaces) the entry for id. The slice is kept, not copied:
// callers must not modify it afterwards.
func (s *Set) Put(id string, entry []byte) {
	i, ok := s.find(id)
	if ok {
		s.vals[i] = entry
	} else {
		s.ids = slices.Insert(s.ids, i, id)
		s.vals = slices.Insert(s.vals, i, entry)
	}
	s.touch(i)
}

// Delete removes id; absent ids are ignored.
func (s *Set) Delete(id string) {
	i, ok := s.find(id)
	if !ok {
		return
	}
	s.ids = slices.Delete(s.ids, i, i+1)
	s.vals = slices.Delete(s.vals, i, i+1)
	s.touch(i)
}

// Get returns the entry stored for id.
func (s *Set) Get(id string) ([]byte, bool) {
	if i, ok := s.find(id); ok {
		return s.vals[i], true
	}
	return nil, false
}

// Len returns the number of entries.
func (s *Set) Len() int { return len(s.ids) }

// IDs returns the ids in code-point order (a copy).
func (s *Set) IDs() []string { return slices.Clone(s.ids) }

// Keys yields the ids in code-point order without copying them.
func (s *Set) Keys() iter.Seq[string] { return slices.Values(s.ids) }

// Entries returns the entries in id order. Callers must not modify them.
func (s *Set) Entries() [][]byte { return s.vals }

// Text returns the hashed text, for tests and debugging.
func (s *Set) Text() string {
	if len(s.vals) == 0 {
		return ""
	}
	var sb strings.Builder
	sb.WriteByte('[')
	for i, e := range s.vals {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.Write(e)
	}
	sb.WriteByte(']')
	return sb.String()
}

// Hash returns the SHA-256 hex digest of the text, or "" for an empty set.
// The digest is cached until the next change.
func (s *Set) Hash() string {
	if s.fresh {
		return s.digest
	}
	s.fresh = true
	if len(s.vals) == 0 {
		s.digest, s.marks = "", nil
		return ""
	}
	h, start := s.resume()
	since := 0
	for i := start; i < len(s.vals); i++ {
		if since >= markEvery {
			s.saveMark(h, i)
			since = 0
		}
		if i > 0 {
			h.Write(hashSep)
		}
		h.Write(s.vals[i])
		since += len(s.vals[i]) + 1
	}
	h.Write(hashClose)
	s.digest = hex.EncodeToString(h.Sum(nil))
	return s.digest
}

// resume returns a hasher positioned before entry start: restored from the
// last mark not after the first changed entry, or fresh after "[".
func (s *Set) resume() (hash.Hash, int) {
	keep := 0
	for keep < len(s.marks) && s.marks[keep].index <= s.dirtyFrom {
		keep++
	}
	s.marks = s.marks[:keep]
	h := sha256.New()
	for len(s.marks) > 0 {
		m := s.marks[len(s.marks)-1]
		if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(m.state); err == nil {
			return h, m.index
		}
		s.marks = s.marks[:len(s.marks)-1] // unusable: fall back further
		h.Reset()
	}
	h.Write(hashOpen)
	return h, 0
}

func (s *Set) saveMark(h hash.Hash, index int) {
	state, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return // marks are only an optimisation
	}
	s.marks = append(s.marks, hashMark{index: index, state: state})
}

// Clone returns an independent set sharing the (immutable) entry bytes and
// saved states.
func (s *Set) Clone() *Set {
	c := *s
	c.ids = slices.Clone(s.ids)
	c.vals = slices.Clone(s.vals)
	c.marks = slices.Clone(s.marks)
	return &c
}

// Digested returns a copy of s with its digest computed and cached, and the
// digest, leaving s unchanged so that others may read it meanwhile. The
// copy shares s's entries (never modified in place) and copies only the
// list of saved states it extends.
func (s *Set) Digested() (*Set, string) {
	c := *s
	c.marks = slices.Clone(s.marks)
	return &c, c.Hash()
}
