package gateway

import (
	"iter"
	"sync"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/modelindex"
)

// State is one immutable snapshot of the mirror (sie-gateway.md §2.1).
// Readers share it freely; writers derive a new State and swap it in.
type State struct {
	bundles *catalog.BundleSet
	// index holds the models in code-point order of id, the case-insensitive
	// lookup and, per bundle, the worker-algorithm hash entries of the held
	// models; the expected hash of a bundle is its digest ("" when no held
	// model maps to it). States are published settled.
	index       *modelindex.Index[*Model]
	epoch       uint64
	bundlesHash string
	// generation is the id of the sie-config epoch sequence the state
	// came from ("" for a seed, or a sie-config that does not send it).
	generation string
	// history remembers each bundle's recent expected hashes; the mirror
	// advances it when it publishes a state.
	history history
	// upkeep, when set, is the expected-hash upkeep still owed for this
	// published state: index's pending digests and the history step. A
	// delta's model is visible before it is done (only /status needs the
	// hashes); whoever needs them first does it, once (see view).
	upkeep *upkeep
}

// upkeep computes a published state's settled index and history from its
// predecessor's, once.
type upkeep struct {
	once    sync.Once
	prev    *State // released once done
	index   *modelindex.Index[*Model]
	history history
}

// owe attaches the hash upkeep of next, published after prev, to next.
func owe(prev, next *State) { next.upkeep = &upkeep{prev: prev} }

// view returns the state's settled index and its history, doing the upkeep
// owed (and, first, its predecessors') when it is not done yet.
func (s *State) view() (*modelindex.Index[*Model], history) {
	u := s.upkeep
	if u == nil {
		return s.index, s.history
	}
	u.once.Do(func() {
		_, prevHistory := u.prev.view()
		settled := *s
		settled.index, settled.upkeep = s.index.Settled(), nil
		u.index, u.history = settled.index, prevHistory.advance(u.prev, &settled)
		u.prev = nil
	})
	return u.index, u.history
}

// settledCopy is the state with its upkeep done and folded in.
func (s *State) settledCopy() *State {
	c := *s
	c.index, c.history = s.view()
	c.upkeep = nil
	return &c
}

// newState builds a complete state from bundles and accepted models
// (de-duplicated by id, later wins) off-line.
func newState(bundles []*catalog.Bundle, models []*Model, epoch uint64, bundlesHash string) *State {
	bs := catalog.NewBundleSet(dedupeBundles(bundles))
	held := make([]*Model, len(models))
	for i, m := range models {
		// Bundle lists are always computed against this state's bundles.
		c := *m
		c.Bundles = bs.BundlesFor(m.Modules)
		held[i] = &c
	}
	return &State{bundles: bs, index: modelindex.New(held).Settled(), epoch: epoch, bundlesHash: bundlesHash}
}

// newBuiltState is newState for models built against bs (modelFromDocument
// with bs): their bundle lists stand as they are.
func newBuiltState(bs *catalog.BundleSet, models []*Model, epoch uint64, bundlesHash string) *State {
	return &State{bundles: bs, index: modelindex.New(models).Settled(), epoch: epoch, bundlesHash: bundlesHash}
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

// Models yields every model in id order, with its position, as slices.All
// does; it copies nothing.
func (s *State) Models() iter.Seq2[int, *Model] { return s.index.All() }

// Len is the number of models.
func (s *State) Len() int { return s.index.Len() }

// Exact returns the model with exactly this id, or nil.
func (s *State) Exact(id string) *Model { return s.index.Exact(id) }

// Find is the read lookup (§2.1): the exact id, else the smallest id equal
// under case folding.
func (s *State) Find(id string) *Model { return s.index.Find(id) }

// ExpectedHash is the worker-algorithm bundle_config_hash workers of bundle
// report once they hold every document (D3l), or "".
func (s *State) ExpectedHash(bundle string) string {
	index, _ := s.view()
	return index.Hash(bundle)
}

// ExpectedBefore returns the last epoch at which hash was the bundle's
// expected hash before the current one, among the last 64 it had (E4).
func (s *State) ExpectedBefore(bundle, hash string) (uint64, bool) {
	_, h := s.view()
	return h.olderEpoch(bundle, hash)
}

// derive is a fresh unpublished copy for the writer: the upkeep belongs to
// the published state, and the history is set when the copy is published.
func (s *State) derive() *State {
	c := *s
	c.upkeep = nil
	return &c
}

// withEpoch returns a copy with L := e. Only the writer calls it.
func (s *State) withEpoch(e uint64) *State {
	c := s.derive()
	c.epoch = e
	return c
}

// withModel returns a copy in which m replaces any model of the same id.
// The expected hashes it changes are pending: they are computed after the
// state is published. Only the writer holding the state lock calls it.
func (s *State) withModel(m *Model) *State {
	c := s.derive()
	c.index = s.index.Put(m)
	return c
}

// withoutModel returns a copy without the model of exactly this id (the
// receiver itself when there is none).
func (s *State) withoutModel(id string) *State {
	x := s.index.Delete(id)
	if x == s.index {
		return s
	}
	c := s.derive()
	c.index = x
	return c
}
