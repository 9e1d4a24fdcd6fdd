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

	"github.com/sieproject/sie/internal/cowlist"
)

// Set holds canonical hash entries keyed by model id, kept in id order,
// and caches the digest over them (the text "[" + entries joined by "," +
// "]"). After one model changes, the caller re-serializes that model only;
// the digest is then resumed from a saved SHA-256 state taken before the
// changed entry, so only the text from the change onwards is re-hashed.
// The entries are a chunked copy-on-write list, so a change and a Clone
// copy kilobytes, not the whole set. A Set is not safe for concurrent
// use; Clone it for copy-on-write snapshots.
type Set struct {
	entries cowlist.List[entry] // code-point order of id
	digest  string
	fresh   bool
	// marks are SHA-256 states saved while hashing, in index order; a mark
	// stays valid while no entry before its index changes. The slice may
	// share its array with clones: it is only ever truncated by re-slicing
	// with the capacity clipped, so appends never write into a shared array.
	marks     []hashMark
	dirtyFrom int // lowest index changed since the last digest
	markEvery int // text between saved states; 0 means defaultMarkEvery
}

type entry struct {
	id  string
	val []byte
}

// hashMark is the hasher state after writing "[" and entries [0, index)
// with their separators.
type hashMark struct {
	index int
	state []byte
}

// defaultMarkEvery is the amount of text between saved states: small
// enough that resuming re-hashes little extra, large enough that saving
// (~100 bytes, ~100 ns) is negligible.
const defaultMarkEvery = 32 << 10

// NewSet returns an empty set.
func NewSet() *Set {
	return &Set{fresh: true}
}

// NewSetFrom builds a set from id → entry in one sort, for bulk loads
// where one Put per entry would move the slices once per insert.
func NewSetFrom(entries map[string][]byte) *Set {
	ids := make([]string, 0, len(entries))
	for id := range entries {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	sorted := make([]entry, len(ids))
	for i, id := range ids {
		sorted[i] = entry{id, entries[id]}
	}
	return &Set{entries: cowlist.Of(sorted)}
}

func (s *Set) find(id string) (int, bool) {
	i := s.entries.Search(func(e entry) bool { return e.id >= id })
	return i, i < s.entries.Len() && s.entries.At(i).id == id
}

func (s *Set) touch(i int) {
	if s.fresh || i < s.dirtyFrom {
		s.dirtyFrom = i
	}
	s.fresh = false
}

// Put stores (or replaces) the entry for id. The slice is kept, not copied:
// callers must not modify it afterwards.
func (s *Set) Put(id string, val []byte) {
	i, ok := s.find(id)
	if ok {
		s.entries = s.entries.Replace(i, entry{id, val})
	} else {
		s.entries = s.entries.Insert(i, entry{id, val})
	}
	s.touch(i)
}

// Delete removes id; absent ids are ignored.
func (s *Set) Delete(id string) {
	i, ok := s.find(id)
	if !ok {
		return
	}
	s.entries = s.entries.Delete(i)
	s.touch(i)
}

// Get returns the entry stored for id.
func (s *Set) Get(id string) ([]byte, bool) {
	if i, ok := s.find(id); ok {
		return s.entries.At(i).val, true
	}
	return nil, false
}

// Len returns the number of entries.
func (s *Set) Len() int { return s.entries.Len() }

// IDs returns the ids in code-point order (a copy).
func (s *Set) IDs() []string { return slices.Collect(s.Keys()) }

// Keys yields the ids in code-point order without copying them.
func (s *Set) Keys() iter.Seq[string] {
	return func(yield func(string) bool) {
		for e := range s.entries.Values() {
			if !yield(e.id) {
				return
			}
		}
	}
}

// Entries returns the entries in id order, in a new slice. Callers must
// not modify the entries.
func (s *Set) Entries() [][]byte {
	out := make([][]byte, 0, s.entries.Len())
	for e := range s.entries.Values() {
		out = append(out, e.val)
	}
	return out
}

// Text returns the hashed text, for tests and debugging.
func (s *Set) Text() string {
	if s.entries.Len() == 0 {
		return ""
	}
	var sb strings.Builder
	sb.WriteByte('[')
	for i, e := range s.entries.All() {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.Write(e.val)
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
	if s.entries.Len() == 0 {
		s.digest, s.marks = "", nil
		return ""
	}
	every := s.markEvery
	if every <= 0 {
		every = defaultMarkEvery
	}
	h, start := s.resume()
	w := newBatcher(h)
	defer w.release()
	since := 0
	for i, e := range s.entries.From(start) {
		if since >= every {
			w.flush()
			s.saveMark(h, i)
			since = 0
		}
		if i > 0 {
			w.write(hashSep)
		}
		w.write(e.val)
		since += len(e.val) + 1
	}
	w.write(hashClose)
	w.flush()
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
	s.marks = s.marks[:keep:keep]
	h := sha256.New()
	for len(s.marks) > 0 {
		m := s.marks[len(s.marks)-1]
		if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(m.state); err == nil {
			return h, m.index
		}
		s.marks = s.marks[: len(s.marks)-1 : len(s.marks)-1] // unusable: fall back further
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

// Clone returns an independent set sharing the (immutable) entries and
// saved states, in O(1).
func (s *Set) Clone() *Set {
	c := *s
	c.marks = slices.Clip(s.marks)
	return &c
}

// Digested returns a copy of s with its digest computed and cached, and the
// digest, leaving s unchanged so that others may read it meanwhile. The
// copy shares s's entries and saved states (never modified in place).
func (s *Set) Digested() (*Set, string) {
	c := s.Clone()
	return c, c.Hash()
}
