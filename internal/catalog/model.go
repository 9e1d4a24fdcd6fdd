package catalog

import (
	"bytes"
	"iter"
	"sort"
	"strings"

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
	// The API layer: its document packed, and its text.
	apiDoc  doc.Packed
	apiText string

	lists *modelLists
	// entry caches the config-side hash entry in the first bundle of the
	// model's bundle list (rare.more has the others'), so a write
	// re-serializes only the model it changes.
	entry []byte
	rare  *modelRare // nil for most models
}

// modelLists are a model's derived lists, shared by the many models that
// have the same ones (see BundleSet.lists). Never modified.
type modelLists struct {
	modules      []string // sorted module set
	bundles      []string // bundle list, in bundle order
	profileNames []string // sorted
}

// modelRare holds what few models need: the API document as a tree when
// Pack refuses it, and the hash entries beyond the first bundle.
type modelRare struct {
	apiTree *doc.Map
	more    [][]byte // the entry in bundles[1+i] (nil: not hashed there)
}

// layer is a seed layer: its text and its document, packed (or, for a
// document holding a value Pack refuses, the tree itself).
type layer struct {
	packed doc.Packed
	tree   *doc.Map
	text   string
}

// seedLayer is a seed's layer (shared by every model built over it).
func seedLayer(d *doc.Map, text string) *layer {
	l := &layer{text: text}
	if p, ok := doc.Pack(d); ok {
		l.packed = p
	} else {
		l.tree = d
	}
	return l
}

// document rebuilds the layer's document (a fresh tree the caller owns,
// unless the layer keeps its tree).
func (l *layer) document() *doc.Map {
	if l.tree != nil {
		return l.tree
	}
	return l.packed.Map()
}

// newModel derives everything from the layers against the bundle set: an
// API document (api, with its text apiText) over a seed layer, either of
// them absent (nil).
func newModel(id string, seed *layer, api *doc.Map, apiText string, bs *BundleSet) *Model {
	m := &Model{ID: id, seed: seed}
	eff := api
	switch {
	case api != nil:
		m.apiText = apiText
		m.ID = substringOf(apiText, id)
		if p, ok := doc.Pack(api); ok {
			m.apiDoc = p
		} else {
			m.rare = &modelRare{apiTree: api}
		}
	case seed != nil:
		eff = seed.document()
	}
	m.lists = bs.lists(ModuleSet(eff), ProfileNames(eff))
	for i, b := range m.lists.bundles {
		entry := ConfigModelEntry(id, eff, bs.info(b).adapterSet)
		if entry != nil {
			// The entry is built with room to spare: keep only its bytes.
			entry = bytes.Clone(entry)
		}
		if i == 0 {
			m.entry = entry
			continue
		}
		if m.rare == nil {
			m.rare = &modelRare{}
		}
		m.rare.more = append(m.rare.more, entry)
	}
	return m
}

// substringOf returns s as a substring of text when text holds it (a
// model's id is usually in its document's text), so the model does not
// keep a copy of it.
func substringOf(text, s string) string {
	if i := strings.Index(text, s); i >= 0 {
		return text[i : i+len(s)]
	}
	return s
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
		for i, b := range m.lists.bundles {
			entry := m.entry
			if i > 0 {
				entry = m.rare.more[i-1]
			}
			if entry != nil && !yield(b, entry) {
				return
			}
		}
	}
}

// apiTree is the API document, or nil without one.
func (m *Model) apiTree() *doc.Map {
	if m.apiDoc != "" {
		return m.apiDoc.Map()
	}
	if m.rare != nil {
		return m.rare.apiTree
	}
	return nil
}

// Effective is the API document if there is one, else the seed. It is
// rebuilt from the packed form on each call: a caller may keep it, and
// must not modify it.
func (m *Model) Effective() *doc.Map {
	if m.HasAPI() {
		return m.apiTree()
	}
	if m.seed != nil {
		return m.seed.document()
	}
	return nil
}

// Text is the effective document text: the stored or emitted API text, or
// the seed's raw file text.
func (m *Model) Text() string {
	if m.HasAPI() {
		return m.apiText
	}
	if m.seed != nil {
		return m.seed.text
	}
	return ""
}

// Source is "api" when the model has an API document, else "filesystem".
func (m *Model) Source() string {
	if m.HasAPI() {
		return SourceAPI
	}
	return SourceFilesystem
}

// HasSeed reports whether the model has a baked-in seed document.
func (m *Model) HasSeed() bool { return m.seed != nil }

// HasAPI reports whether the model has an API-layer document.
func (m *Model) HasAPI() bool { return m.apiDoc != "" || (m.rare != nil && m.rare.apiTree != nil) }

// Seed returns the seed document and its raw text (nil, "" without a seed).
func (m *Model) Seed() (*doc.Map, string) {
	if m.seed == nil {
		return nil, ""
	}
	return m.seed.document(), m.seed.text
}

// Modules returns the sorted module set of the effective document.
func (m *Model) Modules() []string { return m.lists.modules }

// Bundles returns the model's bundle list in bundle order.
func (m *Model) Bundles() []string { return m.lists.bundles }

// ProfileNames returns the effective document's profile names, sorted.
func (m *Model) ProfileNames() []string { return m.lists.profileNames }

// InBundle reports whether bundle is in the model's bundle list.
func (m *Model) InBundle(bundle string) bool {
	for _, b := range m.lists.bundles {
		if b == bundle {
			return true
		}
	}
	return false
}
