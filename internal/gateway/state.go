package gateway

import (
	"slices"
	"sort"
	"strings"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/listhash"
)

// State is one immutable snapshot of the mirror (sie-gateway.md §2.1).
// Readers share it freely; writers derive a new State and swap it in.
type State struct {
	bundles     *catalog.BundleSet
	models      []*Model  // code-point order of ID
	folded      []foldKey // (lower-cased id, id) order, for case-insensitive lookup
	epoch       uint64
	bundlesHash string
	// generation is the id of the sie-config epoch sequence the state
	// came from ("" for a seed, or a sie-config that does not send it).
	generation string
	// expected is the worker-algorithm hash per bundle, "" (absent) when
	// no held model maps to it.
	expected map[string]string
	// sets hold the hash entries per bundle so a delta re-serializes one
	// model only. listhash.Set is not safe for concurrent use: sets are
	// touched only by the writer holding the mirror's state lock (or by an
	// off-line build that has not published the State yet); readers use
	// expected.
	sets map[string]*listhash.Set
	// history remembers each bundle's recent expected hashes; the mirror
	// advances it when it publishes a state.
	history history
}

type foldKey struct{ lower, id string }

// newState builds a complete state from bundles and accepted models
// (de-duplicated by id, later wins) off-line.
func newState(bundles []*catalog.Bundle, models []*Model, epoch uint64, bundlesHash string) *State {
	bs := catalog.NewBundleSet(dedupeBundles(bundles))
	byID := make(map[string]*Model, len(models))
	for _, m := range models {
		// Bundle lists are always computed against this state's bundles.
		c := *m
		c.Bundles = bs.BundlesFor(m.Modules)
		byID[m.ID] = &c
	}
	st := &State{bundles: bs, epoch: epoch, bundlesHash: bundlesHash,
		models: make([]*Model, 0, len(byID)), folded: make([]foldKey, 0, len(byID))}
	perBundle := map[string]map[string][]byte{}
	for _, m := range byID {
		st.models = append(st.models, m)
		st.folded = append(st.folded, foldKey{strings.ToLower(m.ID), m.ID})
		if m.workerEntry == nil {
			continue
		}
		for _, b := range m.Bundles {
			if perBundle[b] == nil {
				perBundle[b] = map[string][]byte{}
			}
			perBundle[b][m.ID] = m.workerEntry
		}
	}
	sort.Slice(st.models, func(i, j int) bool { return st.models[i].ID < st.models[j].ID })
	sort.Slice(st.folded, func(i, j int) bool { return lessFold(st.folded[i], st.folded[j]) })
	st.sets = make(map[string]*listhash.Set, len(perBundle))
	st.expected = make(map[string]string, len(perBundle))
	for b, entries := range perBundle {
		set := listhash.NewSetFrom(entries)
		st.sets[b] = set
		st.expected[b] = set.Hash()
	}
	return st
}

// dedupeBundles keeps the last bundle of each name, in first-seen order.
func dedupeBundles(in []*catalog.Bundle) []*catalog.Bundle {
	idx := map[string]int{}
	var out []*catalog.Bundle
	for _, b := range in {
		if i, ok := idx[b.Name]; ok {
			out[i] = b
			continue
		}
		idx[b.Name] = len(out)
		out = append(out, b)
	}
	return out
}

func lessFold(a, b foldKey) bool {
	if a.lower != b.lower {
		return a.lower < b.lower
	}
	return a.id < b.id
}

// emptyState is the mirror before any seed or resync.
func emptyState() *State { return newState(nil, nil, 0, "") }

// Epoch is the local config epoch L.
func (s *State) Epoch() uint64 { return s.epoch }

// Generation is the generation of the sie-config the state came from.
func (s *State) Generation() string { return s.generation }

// BundlesHash is the bundles_hash stored by the last resync ("" before).
func (s *State) BundlesHash() string { return s.bundlesHash }

// Bundles returns the bundles in bundle order.
func (s *State) Bundles() []*catalog.Bundle { return s.bundles.Ordered() }

// Bundle returns the named bundle (exact match) or nil.
func (s *State) Bundle(name string) *catalog.Bundle { return s.bundles.Lookup(name) }

// Models returns every model in id order. Callers must not modify it.
func (s *State) Models() []*Model { return s.models }

// Len is the number of models.
func (s *State) Len() int { return len(s.models) }

// Exact returns the model with exactly this id, or nil.
func (s *State) Exact(id string) *Model {
	if i, ok := s.index(id); ok {
		return s.models[i]
	}
	return nil
}

// Find is the read lookup (§2.1): the exact id, else the smallest id equal
// under case folding.
func (s *State) Find(id string) *Model {
	if m := s.Exact(id); m != nil {
		return m
	}
	lower := strings.ToLower(id)
	i := sort.Search(len(s.folded), func(i int) bool { return s.folded[i].lower >= lower })
	if i < len(s.folded) && s.folded[i].lower == lower {
		return s.Exact(s.folded[i].id)
	}
	return nil
}

// ExpectedHash is the worker-algorithm bundle_config_hash workers of bundle
// report once they hold every document (D3l), or "".
func (s *State) ExpectedHash(bundle string) string { return s.expected[bundle] }

// ExpectedBefore returns the last epoch at which hash was the bundle's
// expected hash before the current one, among the last 64 it had (E4).
func (s *State) ExpectedBefore(bundle, hash string) (uint64, bool) {
	return s.history.olderEpoch(bundle, hash)
}

func (s *State) index(id string) (int, bool) {
	i := sort.Search(len(s.models), func(i int) bool { return s.models[i].ID >= id })
	return i, i < len(s.models) && s.models[i].ID == id
}

// withEpoch returns a copy with L := e. Only the writer calls it.
func (s *State) withEpoch(e uint64) *State {
	c := *s
	c.epoch = e
	return &c
}

// withModel returns a copy in which m replaces any model of the same id.
// Only the writer holding the state lock calls it.
func (s *State) withModel(m *Model) *State {
	c := *s
	i, found := s.index(m.ID)
	var old *Model
	if found {
		old = s.models[i]
		c.models = slices.Clone(s.models)
		c.models[i] = m
	} else {
		c.models = slices.Insert(slices.Clip(s.models), i, m)
		k := foldKey{strings.ToLower(m.ID), m.ID}
		j := sort.Search(len(s.folded), func(j int) bool { return !lessFold(s.folded[j], k) })
		c.folded = slices.Insert(slices.Clip(s.folded), j, k)
	}
	c.rehash(old, m)
	return &c
}

// withoutModel returns a copy without the model of exactly this id (the
// receiver itself when there is none).
func (s *State) withoutModel(id string) *State {
	i, found := s.index(id)
	if !found {
		return s
	}
	c := *s
	old := s.models[i]
	c.models = slices.Delete(slices.Clone(s.models), i, i+1)
	k := foldKey{strings.ToLower(id), id}
	j := sort.Search(len(s.folded), func(j int) bool { return !lessFold(s.folded[j], k) })
	c.folded = slices.Delete(slices.Clone(s.folded), j, j+1)
	c.rehash(old, nil)
	return &c
}

// rehash updates the entry sets and expected hashes of every bundle the old
// or new model maps to. The maps are copied: the receiver is a fresh copy
// whose maps are still shared with the previous state.
func (c *State) rehash(old, m *Model) {
	touched := map[string]bool{}
	if old != nil && old.workerEntry != nil {
		for _, b := range old.Bundles {
			touched[b] = true
		}
	}
	if m != nil && m.workerEntry != nil {
		for _, b := range m.Bundles {
			touched[b] = true
		}
	}
	if len(touched) == 0 {
		return
	}
	sets := make(map[string]*listhash.Set, len(c.sets)+1)
	for b, set := range c.sets {
		sets[b] = set
	}
	expected := make(map[string]string, len(c.expected)+1)
	for b, h := range c.expected {
		expected[b] = h
	}
	for b := range touched {
		var set *listhash.Set
		if prev := sets[b]; prev != nil {
			set = prev.Clone()
		} else {
			set = listhash.NewSet()
		}
		if old != nil {
			set.Delete(old.ID)
		}
		if m != nil && m.workerEntry != nil && m.InBundle(b) {
			set.Put(m.ID, m.workerEntry)
		}
		if set.Len() == 0 {
			delete(sets, b)
			delete(expected, b)
			continue
		}
		sets[b] = set
		expected[b] = set.Hash()
	}
	c.sets, c.expected = sets, expected
}
