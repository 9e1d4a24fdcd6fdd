package catalog

import (
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/listhash"
)

// Snapshot is an immutable registry state. Readers load it atomically;
// writers derive a new one with With/Without and swap it in on commit.
// Models are kept sorted by id so a derived snapshot costs one slice copy.
type Snapshot struct {
	bundles *BundleSet
	models  []*Model    // sorted by ID
	folded  []foldEntry // sorted by (lower, id) for case-insensitive reads
	// config holds, per bundle, the config-side hash entries of the models
	// in it. A write clones only the sets its model touches, and the set
	// resumes its digest from before the changed entry.
	config map[string]*bundleEntries
}

// bundleEntries guards one bundle's entry set: computing a digest saves
// hasher states inside the set.
type bundleEntries struct {
	mu  sync.Mutex
	set *listhash.Set
}

type foldEntry struct {
	lower string
	id    string
}

// NewSnapshot builds the startup registry from bundles and seeds. Seeds
// whose modules are in no bundle load with an empty bundle list and are
// reported in one aggregated error log.
func NewSnapshot(bundles []*Bundle, seeds []Seed, log *slog.Logger) *Snapshot {
	bs := NewBundleSet(bundles)
	s := &Snapshot{bundles: bs}
	var unroutable []string
	for _, seed := range seeds {
		m := newModel(seed.ID, seed.Doc, seed.Text, nil, "", bs)
		s.models = append(s.models, m)
		if missing := unknownModules(bs, m.modules); len(missing) > 0 {
			unroutable = append(unroutable, seed.ID+" ("+strings.Join(missing, ", ")+")")
		}
	}
	sort.Slice(s.models, func(i, j int) bool { return s.models[i].ID < s.models[j].ID })
	s.rebuildFolded()
	s.rebuildConfigEntries()
	if len(unroutable) > 0 && log != nil {
		log.Error("seed models reference unrouteable adapter modules (in no bundle)", "models", unroutable)
	}
	return s
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

func (s *Snapshot) rebuildConfigEntries() {
	byBundle := map[string]map[string][]byte{}
	for _, m := range s.models {
		for b, entry := range m.configEntries {
			if byBundle[b] == nil {
				byBundle[b] = map[string][]byte{}
			}
			byBundle[b][m.ID] = entry
		}
	}
	s.config = make(map[string]*bundleEntries, s.bundles.Len())
	for _, b := range s.bundles.Ordered() {
		s.config[b.Name] = &bundleEntries{set: listhash.NewSetFrom(byBundle[b.Name])}
	}
}

// withConfigEntries returns the per-bundle sets after old is replaced by m
// (either may be nil), cloning only the bundles whose entry changes.
func (s *Snapshot) withConfigEntries(id string, old, m *Model) map[string]*bundleEntries {
	out := make(map[string]*bundleEntries, len(s.config))
	for b, be := range s.config {
		out[b] = be
	}
	touched := map[string]bool{}
	if old != nil {
		for b := range old.configEntries {
			touched[b] = true
		}
	}
	if m != nil {
		for b := range m.configEntries {
			touched[b] = true
		}
	}
	for b := range touched {
		be := s.config[b]
		if be == nil {
			continue
		}
		be.mu.Lock()
		set := be.set.Clone()
		be.mu.Unlock()
		if entry := m.configEntry(b); entry != nil {
			set.Put(id, entry)
		} else {
			set.Delete(id)
		}
		out[b] = &bundleEntries{set: set}
	}
	return out
}

func (s *Snapshot) rebuildFolded() {
	s.folded = make([]foldEntry, len(s.models))
	for i, m := range s.models {
		s.folded[i] = foldEntry{lower: strings.ToLower(m.ID), id: m.ID}
	}
	sort.Slice(s.folded, func(i, j int) bool { return foldLess(s.folded[i], s.folded[j]) })
}

func foldLess(a, b foldEntry) bool {
	if a.lower != b.lower {
		return a.lower < b.lower
	}
	return a.id < b.id
}

// Bundles returns the bundle set.
func (s *Snapshot) Bundles() *BundleSet { return s.bundles }

// Models returns every model sorted by id. Callers must not modify it.
func (s *Snapshot) Models() []*Model { return s.models }

// Len returns the number of models.
func (s *Snapshot) Len() int { return len(s.models) }

func (s *Snapshot) index(id string) (int, bool) {
	i := sort.Search(len(s.models), func(i int) bool { return s.models[i].ID >= id })
	return i, i < len(s.models) && s.models[i].ID == id
}

// Exact returns the model with exactly this id (writes address models so).
func (s *Snapshot) Exact(id string) *Model {
	if i, ok := s.index(id); ok {
		return s.models[i]
	}
	return nil
}

// Find is the read lookup: exact id first, else the smallest id (code-point
// order) equal under case folding.
func (s *Snapshot) Find(id string) *Model {
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

// CountBySource returns the number of models with an API document and the
// number with a seed only.
func (s *Snapshot) CountBySource() (api, filesystem int) {
	for _, m := range s.models {
		if m.HasAPI() {
			api++
		} else {
			filesystem++
		}
	}
	return api, filesystem
}

// WithAPI returns a snapshot in which model id has api as its API document
// (text is its effective text). The receiver is unchanged.
func (s *Snapshot) WithAPI(id string, api *doc.Map, text string) (*Snapshot, *Model) {
	var seed *doc.Map
	var seedText string
	if old := s.Exact(id); old != nil {
		seed, seedText = old.seed, old.seedText
	}
	m := newModel(id, seed, seedText, api, text, s.bundles)
	return s.replace(id, m), m
}

// WithoutAPI drops model id's API document: it reverts to its seed, or
// disappears when it has none. The returned model is nil in that case.
func (s *Snapshot) WithoutAPI(id string) (*Snapshot, *Model) {
	old := s.Exact(id)
	if old == nil || old.api == nil {
		return s, old
	}
	if old.seed == nil {
		return s.replace(id, nil), nil
	}
	m := newModel(id, old.seed, old.seedText, nil, "", s.bundles)
	return s.replace(id, m), m
}

// replace swaps, inserts (m != nil, id absent) or removes (m == nil) one model.
func (s *Snapshot) replace(id string, m *Model) *Snapshot {
	i, found := s.index(id)
	out := &Snapshot{bundles: s.bundles}
	var old *Model
	switch {
	case found && m != nil:
		old = s.models[i]
		out.models = append([]*Model(nil), s.models...)
		out.models[i] = m
		out.folded = s.folded
	case found:
		old = s.models[i]
		out.models = make([]*Model, 0, len(s.models)-1)
		out.models = append(append(out.models, s.models[:i]...), s.models[i+1:]...)
		out.folded = removeFold(s.folded, id)
	case m != nil:
		out.models = make([]*Model, 0, len(s.models)+1)
		out.models = append(append(append(out.models, s.models[:i]...), m), s.models[i:]...)
		out.folded = insertFold(s.folded, id)
	default:
		return s
	}
	out.config = s.withConfigEntries(id, old, m)
	return out
}

func insertFold(f []foldEntry, id string) []foldEntry {
	e := foldEntry{lower: strings.ToLower(id), id: id}
	i := sort.Search(len(f), func(i int) bool { return !foldLess(f[i], e) })
	out := make([]foldEntry, 0, len(f)+1)
	return append(append(append(out, f[:i]...), e), f[i:]...)
}

func removeFold(f []foldEntry, id string) []foldEntry {
	e := foldEntry{lower: strings.ToLower(id), id: id}
	i := sort.Search(len(f), func(i int) bool { return !foldLess(f[i], e) })
	if i >= len(f) || f[i] != e {
		return f
	}
	out := make([]foldEntry, 0, len(f)-1)
	return append(append(out, f[:i]...), f[i+1:]...)
}

// ConfigBundleHash is the config-side bundle_config_hash of bundle (""
// when unknown or unused).
func (s *Snapshot) ConfigBundleHash(bundle string) string {
	be := s.config[bundle]
	if be == nil {
		return ""
	}
	be.mu.Lock()
	defer be.mu.Unlock()
	return be.set.Hash()
}
