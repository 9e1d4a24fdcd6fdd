package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"iter"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/workerview"
)

// Model is one mirrored model: its document and what is derived from it. A
// Model is immutable; a delta builds a new one. Its lists may be shared with
// other models: callers must not modify them.
//
// A mirror holds up to hundreds of thousands of models, so a model keeps
// its document packed (about the size of its text; Doc rebuilds the tree)
// and shares its lists with the bundle set where it can.
type Model struct {
	ID           string
	ProfileNames []string // sorted
	Modules      []string // sorted module set (catalog.ModuleSet)
	Bundles      []string // bundle list, in bundle order
	// packed is the document; tree holds it instead when Pack refuses it.
	packed doc.Packed
	tree   *doc.Map
	// workerEntry is the model's element of the worker-side hash (hashes.md
	// §4.2) in its worker view, or nil when a worker would not hold the
	// document. It is computed once here, so a bundle hash only re-serializes
	// the models that changed.
	workerEntry []byte
	// view is what workers hold of the document (extensions E1/E4).
	view WorkerView
}

// WorkerView is the form workers hold the document in (strict, stub or
// ignored) and one human reason per cause (empty for strict).
type WorkerView struct {
	Form    string
	Reasons []string
}

// Doc rebuilds the model's document: a fresh tree on each call, which the
// caller must not modify.
func (m *Model) Doc() *doc.Map {
	if m.tree != nil {
		return m.tree
	}
	return m.packed.Map()
}

// WorkerView returns what workers hold of the model's document.
func (m *Model) WorkerView() WorkerView { return m.view }

// HeldByWorkers reports whether a worker would hold the document (full or
// stub form), i.e. whether it counts in the expected hash.
func (m *Model) HeldByWorkers() bool { return m.workerEntry != nil }

// Key is the model's id (for the mirror's index).
func (m *Model) Key() string { return m.ID }

// HashEntries yields the model's worker-side hash entry for each of its
// bundles; nothing when workers would not hold it.
func (m *Model) HashEntries() iter.Seq2[string, []byte] {
	return func(yield func(string, []byte) bool) {
		if m.workerEntry == nil {
			return
		}
		for _, b := range m.Bundles {
			if !yield(b, m.workerEntry) {
				return
			}
		}
	}
}

// InBundle reports whether bundle is in the model's bundle list.
func (m *Model) InBundle(bundle string) bool {
	for _, b := range m.Bundles {
		if b == bundle {
			return true
		}
	}
	return false
}

// errNotAccepted wraps the reasons a document is not accepted (§2.1).
var errNotAccepted = errors.New("document not accepted")

// acceptDocument applies the mirror's acceptance rule (sie-gateway.md §2.1)
// and returns the document's id: a mapping with a non-empty string id
// (sie_id, else name), profiles missing or a mapping of mappings, and every
// adapter_path a string or null. Routability is deliberately not checked.
func acceptDocument(d *doc.Map) (string, error) {
	id := nonEmptyString(d, "sie_id")
	if id == "" {
		id = nonEmptyString(d, "name")
	}
	if id == "" {
		return "", fmt.Errorf("%w: no non-empty string sie_id or name", errNotAccepted)
	}
	v, ok := d.Get("profiles")
	if !ok {
		return id, nil
	}
	profiles, ok := v.(*doc.Map)
	if !ok {
		return "", fmt.Errorf("%w: profiles must be a mapping", errNotAccepted)
	}
	for _, e := range profiles.Entries() {
		p, ok := e.Value.(*doc.Map)
		if !ok {
			return "", fmt.Errorf("%w: profile %q must be a mapping", errNotAccepted, e.Key)
		}
		if ap, ok := p.Get("adapter_path"); ok && ap != nil {
			if _, ok := ap.(string); !ok {
				return "", fmt.Errorf("%w: profile %q: adapter_path must be a string or null", errNotAccepted, e.Key)
			}
		}
	}
	return id, nil
}

func nonEmptyString(m *doc.Map, key string) string {
	v, _ := m.Get(key)
	s, _ := v.(string)
	return s
}

// newModel derives a model from an accepted document against the bundles.
func newModel(id string, d *doc.Map, bs *catalog.BundleSet) *Model {
	m := &Model{ID: id, Modules: bs.ModuleSetOf(d)}
	if p, ok := doc.Pack(d); ok {
		m.packed = p
	} else {
		m.tree = d
	}
	m.Bundles = bs.BundlesFor(m.Modules)
	m.ProfileNames = catalog.ProfileNames(d)
	if m.ProfileNames == nil {
		m.ProfileNames = []string{}
	}
	v := workerview.Of(d, id)
	m.view = WorkerView{Form: v.Form, Reasons: v.Reasons}
	if v.Model != nil {
		// The entry is built with room to spare: keep only its bytes.
		m.workerEntry = bytes.Clone(workerview.Entry(v.Model))
	}
	return m
}
