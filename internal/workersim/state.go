package workersim

import (
	"fmt"
	"strings"

	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/listhash"
	"github.com/sieproject/sie/internal/workerview"
)

// ModelFile is one parsed file of a worker's models directory.
type ModelFile struct {
	Name string // file name, for error messages
	Doc  *doc.Map
}

// Startup is how a worker was started (worker-protocol.md §1).
type Startup struct {
	// Bundle is the --bundle value; "" means no --bundle: bundle id
	// "default" and no filter.
	Bundle string
	// Adapters are the adapters of bundles/<Bundle>.yaml.
	Adapters []string
	// Files are the models directory's files in file-name order.
	Files []ModelFile
}

// State reproduces the config side of one real worker: its registry
// of held models, its per-model epoch guard and its bundle_config_hash. The
// registry is exactly the hashed set M of hashes.md §4.3. It is not safe for
// concurrent use; the simulator serializes access.
type State struct {
	bundle  string
	models  map[string]*workerview.Model
	entries *listhash.Set
	epochs  map[string]int64
	version uint64
	// configEpoch is the highest epoch applied from a delta or a reconcile
	// (0 before any): the config_epoch of the status frames.
	configEpoch int64
	// memo, when set, is the parse of delta documents shared with the other
	// workers of the fleet.
	memo *parseMemo
}

// NewState loads the startup models like a real worker: every file must
// pass the strict schema (one invalid file aborts startup), non-default
// profiles become "{id}:{profile}" variant entries, and with a bundle only
// the models whose modules meet its adapters are kept — unless none does, in
// which case the worker runs unfiltered.
func NewState(s Startup) (*State, error) {
	type held struct {
		m       *workerview.Model
		variant bool
	}
	registry := map[string]held{}
	var order []string
	put := func(m *workerview.Model, variant bool) {
		if _, ok := registry[m.ID]; !ok {
			order = append(order, m.ID)
		}
		registry[m.ID] = held{m, variant}
	}
	for _, f := range s.Files {
		m, problems := workerview.Parse(f.Doc)
		if len(problems) > 0 {
			return nil, fmt.Errorf("invalid model file %s: %s", f.Name, strings.Join(problems, "; "))
		}
		put(m, false)
		for _, v := range m.Variants() {
			put(v, true)
		}
	}

	w := &State{
		bundle:  s.Bundle,
		models:  map[string]*workerview.Model{},
		entries: listhash.NewSet(),
		epochs:  map[string]int64{},
	}
	if w.bundle == "" {
		w.bundle = "default"
	}
	keep := func(string) bool { return true }
	if s.Bundle != "" {
		adapters := map[string]bool{}
		for _, a := range s.Adapters {
			adapters[a] = true
		}
		filter := map[string]bool{}
		for _, id := range order {
			h := registry[id]
			if h.variant {
				continue
			}
			for _, mod := range h.m.ModuleSet() {
				if adapters[mod] {
					filter[id] = true
					break
				}
			}
		}
		// An empty filter means no filter at all (vector w24's situation).
		if len(filter) > 0 {
			keep = func(id string) bool { return filter[id] }
		}
	}
	entries := map[string][]byte{}
	for _, id := range order {
		if keep(id) {
			m := registry[id].m
			w.models[id] = m
			entries[id] = workerview.Entry(m)
		}
	}
	w.entries = listhash.NewSetFrom(entries)
	return w, nil
}

func (w *State) hold(m *workerview.Model) {
	w.models[m.ID] = m
	w.entries.Put(m.ID, workerview.Entry(m))
	w.version++
}

// Bundle is the bundle id the worker reports.
func (w *State) Bundle() string { return w.bundle }

// Hash is the worker-side bundle_config_hash over the held models.
func (w *State) Hash() string { return w.entries.Hash() }

// Version increases with every change to the held models, so callers can
// cache what they derive from them.
func (w *State) Version() uint64 { return w.version }

// Models returns the held models in code-point order of id.
func (w *State) Models() []*workerview.Model {
	out := make([]*workerview.Model, 0, len(w.models))
	for id := range w.entries.Keys() {
		out = append(out, w.models[id])
	}
	return out
}

// Model returns the held model with id.
func (w *State) Model(id string) (*workerview.Model, bool) {
	m, ok := w.models[id]
	return m, ok
}

// Epochs returns a copy of the epoch guard: model_id → last applied epoch.
func (w *State) Epochs() map[string]int64 {
	out := make(map[string]int64, len(w.epochs))
	for k, v := range w.epochs {
		out[k] = v
	}
	return out
}

// ResetEpochs clears the epoch guard, as a worker does on every NATS
// reconnect.
func (w *State) ResetEpochs() { clear(w.epochs) }

// Delta is the part of a NATS config payload a worker reads, with Python's
// integers for the epoch (a negative one is never newer than anything).
type Delta struct {
	ModelID     string
	Epoch       int64
	ModelConfig string
}

// ApplyOutcome says what a worker did with a delta.
type ApplyOutcome int

const (
	// DeltaIgnored: empty model_config; nothing is recorded.
	DeltaIgnored ApplyOutcome = iota
	// DeltaStale: epoch not above the model's last applied epoch.
	DeltaStale
	// DeltaUnparsable: the YAML failed or is not a mapping; epoch recorded.
	DeltaUnparsable
	// DeltaRejected: strict schema and stub both failed; epoch recorded,
	// the previous entry stays.
	DeltaRejected
	// DeltaAppliedFull: held in full form, replacing any previous entry.
	DeltaAppliedFull
	// DeltaAppliedStub: held as a stub, replacing any previous entry.
	DeltaAppliedStub
)

var outcomeNames = [...]string{"ignored", "stale", "unparsable", "rejected", "applied_full", "applied_stub"}

func (o ApplyOutcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// Applied reports whether the registry changed.
func (o ApplyOutcome) Applied() bool { return o == DeltaAppliedFull || o == DeltaAppliedStub }

// Apply runs one delta through the epoch guard and the apply step
// (worker-protocol.md §2.1–2.2): strict form, else stub, else ignored;
// replace by id; never remove. The epoch is recorded whenever the guard
// passes, even when nothing could be applied, as the Python worker does.
func (w *State) Apply(d Delta) ApplyOutcome {
	if d.ModelConfig == "" {
		return DeltaIgnored
	}
	last, seen := w.epochs[d.ModelID]
	if !seen {
		last = -1
	}
	if d.Epoch <= last {
		return DeltaStale
	}
	defer func() {
		w.epochs[d.ModelID] = d.Epoch
		w.configEpoch = max(w.configEpoch, d.Epoch)
	}()

	r := w.memo.parse(d.ModelID, d.ModelConfig)
	if !r.ok {
		return DeltaUnparsable
	}
	m := r.m
	if m == nil {
		return DeltaRejected
	}
	w.hold(m)
	if m.Form == workerview.Stub {
		return DeltaAppliedStub
	}
	return DeltaAppliedFull
}

// ConfigEpoch is the highest epoch applied from a delta (its guard passed)
// or set by a reconcile; 0 before any.
func (w *State) ConfigEpoch() int64 { return w.configEpoch }

// Stubs returns the ids of the models held as stubs, in code-point order:
// the worker holds them without outputs and cannot serve them.
func (w *State) Stubs() []string {
	var out []string
	for id := range w.entries.Keys() {
		if w.models[id].Form == workerview.Stub {
			out = append(out, id)
		}
	}
	return out
}

// IDs returns the held model ids in code-point order.
func (w *State) IDs() []string { return w.entries.IDs() }
