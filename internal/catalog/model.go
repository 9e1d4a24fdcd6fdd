package catalog

import (
	"iter"
	"maps"
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
type Model struct {
	ID string

	seed     *doc.Map
	seedText string
	api      *doc.Map
	apiText  string

	modules      []string
	bundles      []string
	profileNames []string
	// configEntries caches the config-side hash entry per bundle, so a write
	// re-serializes only the model it changes.
	configEntries map[string][]byte
}

// newModel derives everything from the layers against the bundle set.
func newModel(id string, seed *doc.Map, seedText string, api *doc.Map, apiText string, bs *BundleSet) *Model {
	m := &Model{ID: id, seed: seed, seedText: seedText, api: api, apiText: apiText}
	eff := m.Effective()
	m.modules = ModuleSet(eff)
	m.bundles = bs.BundlesFor(m.modules)
	for _, e := range Profiles(eff).Entries() {
		m.profileNames = append(m.profileNames, e.Key)
	}
	sort.Strings(m.profileNames)
	m.configEntries = make(map[string][]byte, len(m.bundles))
	for _, b := range m.bundles {
		if entry := ConfigModelEntry(id, eff, bs.info(b).adapterSet); entry != nil {
			m.configEntries[b] = entry
		}
	}
	return m
}

// Key is the model's id (for the registry's index).
func (m *Model) Key() string { return m.ID }

// HashEntries yields the model's config-side hash entry per bundle.
func (m *Model) HashEntries() iter.Seq2[string, []byte] { return maps.All(m.configEntries) }

// Effective is the API document if there is one, else the seed.
func (m *Model) Effective() *doc.Map {
	if m.api != nil {
		return m.api
	}
	return m.seed
}

// Text is the effective document text: the stored or emitted API text, or
// the seed's raw file text.
func (m *Model) Text() string {
	if m.api != nil {
		return m.apiText
	}
	return m.seedText
}

// Source is "api" when the model has an API document, else "filesystem".
func (m *Model) Source() string {
	if m.api != nil {
		return SourceAPI
	}
	return SourceFilesystem
}

// HasSeed reports whether the model has a baked-in seed document.
func (m *Model) HasSeed() bool { return m.seed != nil }

// HasAPI reports whether the model has an API-layer document.
func (m *Model) HasAPI() bool { return m.api != nil }

// Seed returns the seed document and its raw text (nil, "" without a seed).
func (m *Model) Seed() (*doc.Map, string) { return m.seed, m.seedText }

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
