package catalog

import (
	"bytes"
	"iter"
	"sort"

	"github.com/sieproject/sie/internal/doc"
)

// Source values of a model (sie-config.md §5.4).
const (
	SourceAPI        = "api"
	SourceFilesystem = "filesystem"
)

// Model is one registry entry: its layers and what is derived from the
// effective document. A Model is immutable once built; writes build a new one.
//
// A registry holds up to hundreds of thousands of models, so a model keeps
// its documents packed (doc.Packed, about the size of their text, a fifth
// of the tree's) and rebuilds the tree where one is needed (Effective);
// its small lists share their strings with the bundle set where they can.
type Model struct {
	ID string

	seed *layer // nil without a seed (most models)
	api  layer

	modules      []string
	bundles      []string
	profileNames []string
	// configEntries caches the config-side hash entry per bundle (in bundle
	// order), so a write re-serializes only the model it changes.
	configEntries []bundleEntry
}

// layer is one document layer: its text and its document, packed (or, for
// a document holding a value Pack refuses, the tree itself).
type layer struct {
	packed doc.Packed
	tree   *doc.Map
	text   string
}

// seedLayer is a seed's layer (shared by every model built over it).
func seedLayer(d *doc.Map, text string) *layer {
	l := newLayer(d, text)
	return &l
}

func newLayer(d *doc.Map, text string) layer {
	if p, ok := doc.Pack(d); ok {
		return layer{packed: p, text: text}
	}
	return layer{tree: d, text: text}
}

// present reports whether the layer holds a document.
func (l *layer) present() bool { return l.packed != "" || l.tree != nil }

// document rebuilds the layer's document (a fresh tree the caller owns,
// unless the layer keeps its tree).
func (l *layer) document() *doc.Map {
	if l.tree != nil {
		return l.tree
	}
	return l.packed.Map()
}

// bundleEntry is a model's config-side hash entry in one bundle.
type bundleEntry struct {
	bundle string
	entry  []byte
}

// newModel derives everything from the layers against the bundle set: an
// API document (api, with its text apiText) over a seed layer, either of
// them absent (nil).
func newModel(id string, seed *layer, api *doc.Map, apiText string, bs *BundleSet) *Model {
	m := &Model{ID: id, seed: seed}
	eff := api
	if api != nil {
		m.api = newLayer(api, apiText)
	} else if seed != nil {
		eff = seed.document()
	}
	m.modules = bs.ModuleSetOf(eff)
	m.bundles = bs.BundlesFor(m.modules)
	m.profileNames = ProfileNames(eff)
	for _, b := range m.bundles {
		if entry := ConfigModelEntry(id, eff, bs.info(b).adapterSet); entry != nil {
			// The entry is built with room to spare: keep only its bytes.
			m.configEntries = append(m.configEntries, bundleEntry{bundle: b, entry: bytes.Clone(entry)})
		}
	}
	return m
}

// ProfileNames returns d's profile names, sorted (nil for none). The many
// documents with one profile named "default" share one list: callers must
// not modify the result.
func ProfileNames(d *doc.Map) []string {
	entries := Profiles(d).Entries()
	if len(entries) == 1 && entries[0].Key == defaultProfile[0] {
		return defaultProfile
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Key)
	}
	sort.Strings(names)
	return names
}

// defaultProfile is the profile list most models have. Shared: callers must
// not modify what ProfileNames returns.
var defaultProfile = []string{"default"}

// Key is the model's id (for the registry's index).
func (m *Model) Key() string { return m.ID }

// HashEntries yields the model's config-side hash entry per bundle.
func (m *Model) HashEntries() iter.Seq2[string, []byte] {
	return func(yield func(string, []byte) bool) {
		for _, e := range m.configEntries {
			if !yield(e.bundle, e.entry) {
				return
			}
		}
	}
}

// Effective is the API document if there is one, else the seed. It is
// rebuilt from the packed form on each call: a caller may keep it, and
// must not modify it.
func (m *Model) Effective() *doc.Map {
	if m.api.present() {
		return m.api.document()
	}
	if m.seed != nil {
		return m.seed.document()
	}
	return nil
}

// Text is the effective document text: the stored or emitted API text, or
// the seed's raw file text.
func (m *Model) Text() string {
	if m.api.present() {
		return m.api.text
	}
	if m.seed != nil {
		return m.seed.text
	}
	return ""
}

// Source is "api" when the model has an API document, else "filesystem".
func (m *Model) Source() string {
	if m.api.present() {
		return SourceAPI
	}
	return SourceFilesystem
}

// HasSeed reports whether the model has a baked-in seed document.
func (m *Model) HasSeed() bool { return m.seed != nil }

// HasAPI reports whether the model has an API-layer document.
func (m *Model) HasAPI() bool { return m.api.present() }

// Seed returns the seed document and its raw text (nil, "" without a seed).
func (m *Model) Seed() (*doc.Map, string) {
	if m.seed == nil {
		return nil, ""
	}
	return m.seed.document(), m.seed.text
}

// Modules returns the sorted module set of the effective document.
func (m *Model) Modules() []string { return m.modules }

// Bundles returns the model's bundle list in bundle order.
func (m *Model) Bundles() []string { return m.bundles }

// ProfileNames returns the effective document's profile names, sorted.
func (m *Model) ProfileNames() []string { return m.profileNames }

// InBundle reports whether bundle is in the model's bundle list.
func (m *Model) InBundle(bundle string) bool {
	for _, b := range m.bundles {
		if b == bundle {
			return true
		}
	}
	return false
}
