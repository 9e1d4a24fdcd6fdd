package catalog

import (
	"iter"
	"log/slog"
	"strings"

	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/modelindex"
)

// Snapshot is an immutable registry state. Readers load it atomically;
// writers derive a new one with WithAPI/WithoutAPI and swap it in on
// commit. The models, the case-insensitive lookup and each bundle's
// config-side hash entries are a modelindex.Index: a derived snapshot leaves
// the touched bundles' digests pending until Settled.
type Snapshot struct {
	bundles *BundleSet
	index   *modelindex.Index[*Model]
	// withAPI counts the models with an API document, kept up to date by
	// each derivation so that the gauges need no scan per write.
	withAPI int
}

// derived is the snapshot of index, whose API-model count differs from the
// receiver's by delta.
func (s *Snapshot) derived(index *modelindex.Index[*Model], delta int) *Snapshot {
	return &Snapshot{bundles: s.bundles, index: index, withAPI: s.withAPI + delta}
}

// apiDelta is the change of the API-model count when next replaces prev
// (either may be nil).
func apiDelta(prev, next *Model) int {
	d := 0
	if prev != nil && prev.HasAPI() {
		d--
	}
	if next != nil && next.HasAPI() {
		d++
	}
	return d
}

// countAPI builds a snapshot of index, counting its API models once.
func countAPI(bundles *BundleSet, index *modelindex.Index[*Model]) *Snapshot {
	s := &Snapshot{bundles: bundles, index: index}
	for _, m := range index.All() {
		s.withAPI += apiDelta(nil, m)
	}
	return s
}

// NewSnapshot builds the startup registry from bundles and seeds. Seeds
// whose modules are in no bundle load with an empty bundle list and are
// reported in one aggregated error log.
func NewSnapshot(bundles []*Bundle, seeds []Seed, log *slog.Logger) *Snapshot {
	bs := NewBundleSet(bundles)
	models := make([]*Model, 0, len(seeds))
	var unroutable []string
	for _, seed := range seeds {
		m := newModel(seed.ID, seedLayer(seed.Doc, seed.Text), nil, "", bs)
		models = append(models, m)
		if missing := unknownModules(bs, m.lists.modules); len(missing) > 0 {
			unroutable = append(unroutable, seed.ID+" ("+strings.Join(missing, ", ")+")")
		}
	}
	if len(unroutable) > 0 && log != nil {
		log.Error("seed models reference unrouteable adapter modules (in no bundle)", "models", unroutable)
	}
	return countAPI(bs, modelindex.New(models))
}

func unknownModules(bs *BundleSet, modules []string) []string {
	var out []string
	for _, m := range modules {
		if !bs.KnownModule(m) {
			out = append(out, m)
		}
	}
	return out
}

// Bundles returns the bundle set.
func (s *Snapshot) Bundles() *BundleSet { return s.bundles }

// Models yields every model sorted by id, with its position, as
// slices.All does; it copies nothing.
func (s *Snapshot) Models() iter.Seq2[int, *Model] { return s.index.All() }

// Len returns the number of models.
func (s *Snapshot) Len() int { return s.index.Len() }

// Exact returns the model with exactly this id (writes address models so).
func (s *Snapshot) Exact(id string) *Model { return s.index.Exact(id) }

// Find is the read lookup: exact id first, else the smallest id (code-point
// order) equal under case folding.
func (s *Snapshot) Find(id string) *Model { return s.index.Find(id) }

// CountBySource returns the number of models with an API document and the
// number with a seed only.
func (s *Snapshot) CountBySource() (api, filesystem int) {
	return s.withAPI, s.index.Len() - s.withAPI
}

// WithAPI returns a snapshot in which model id has api as its API document
// (text is its effective text). The receiver is unchanged.
func (s *Snapshot) WithAPI(id string, api *doc.Map, text string) (*Snapshot, *Model) {
	var seed *layer
	old := s.Exact(id)
	if old != nil {
		seed = old.seed
	}
	m := newModel(id, seed, api, text, s.bundles)
	return s.derived(s.index.Put(m), apiDelta(old, m)), m
}

// WithoutAPI drops model id's API document: it reverts to its seed, or
// disappears when it has none. The returned model is nil in that case.
func (s *Snapshot) WithoutAPI(id string) (*Snapshot, *Model) {
	old := s.Exact(id)
	if old == nil || !old.HasAPI() {
		return s, old
	}
	if old.seed == nil {
		return s.derived(s.index.Delete(id), apiDelta(old, nil)), nil
	}
	m := newModel(id, old.seed, nil, "", s.bundles)
	return s.derived(s.index.Put(m), apiDelta(old, m)), m
}

// ConfigBundleHash is the config-side bundle_config_hash of bundle (""
// when unknown or unused). On a snapshot that is not Settled, a touched
// bundle's hash is computed on every call.
func (s *Snapshot) ConfigBundleHash(bundle string) string { return s.index.Hash(bundle) }

// Settled returns the snapshot with the config-side hashes of the bundles
// its derivation touched computed and kept (the receiver when there is
// nothing to compute). Committed snapshots are settled.
func (s *Snapshot) Settled() *Snapshot {
	x := s.index.Settled()
	if x == s.index {
		return s
	}
	return s.derived(x, 0)
}

// APIModel builds the model id would be with api as its API document (text
// is its effective text) on this snapshot, keeping its seed. It changes
// nothing and is safe to call concurrently; WithModels adds the results.
func (s *Snapshot) APIModel(id string, api *doc.Map, text string) *Model {
	var seed *layer
	if old := s.Exact(id); old != nil {
		seed = old.seed
	}
	return newModel(id, seed, api, text, s.bundles)
}

// WithModels returns a snapshot holding models (built by APIModel on this
// snapshot) in place of those of their ids, in O((n+m) log(n+m)): the bulk
// form of WithAPI (a restore adds every stored document at once). Of two
// models with one id, the later wins.
func (s *Snapshot) WithModels(models []*Model) *Snapshot {
	if len(models) == 0 {
		return s
	}
	return countAPI(s.bundles, s.index.PutAll(models))
}

// WithModel returns a snapshot in which m (built on a snapshot of this
// registry, e.g. the result of WithAPI or WithoutAPI there) replaces the
// model of its id. It replays a change onto a settled snapshot, so settling
// the result re-hashes only from where the change sorts.
func (s *Snapshot) WithModel(m *Model) *Snapshot {
	return s.derived(s.index.Put(m), apiDelta(s.Exact(m.Key()), m))
}

// Without returns a snapshot without the model of exactly this id.
func (s *Snapshot) Without(id string) *Snapshot {
	x := s.index.Delete(id)
	if x == s.index {
		return s
	}
	return s.derived(x, apiDelta(s.Exact(id), nil))
}
