package workersim

import (
	"slices"

	"github.com/sieproject/sie/internal/listhash"
	"github.com/sieproject/sie/internal/workerview"
	"github.com/sieproject/sie/internal/yamldoc"
)

// ExportEntry is one entry of sie-config's /v1/configs/export as a
// catching-up worker takes it (extensions E3): the document applied from
// raw_yaml with the worker's rules, prepared once and shared by every
// worker that reconciles from the same export.
type ExportEntry struct {
	ModelID string
	RawYAML string
	Bundles []string // affected_bundles
	// Model is the model as held (full or stub); nil when raw_yaml does not
	// parse or neither form can be built, so workers do not hold it.
	Model *workerview.Model
	entry []byte // Model's hash entry
}

// NewExportEntry applies rawYAML the way a delta is applied
// (worker-protocol.md §2.2, §4): strict, else stub, else not held. No
// variants are expanded.
func NewExportEntry(modelID, rawYAML string, bundles []string) ExportEntry {
	e := ExportEntry{ModelID: modelID, RawYAML: rawYAML, Bundles: bundles}
	d, err := yamldoc.Parse([]byte(rawYAML))
	if err != nil || d == nil {
		return e
	}
	if e.Model = workerview.Of(d, modelID).Model; e.Model != nil {
		e.entry = workerview.Entry(e.Model)
	}
	return e
}

// ReconcileResult says what a reconcile changed.
type ReconcileResult struct {
	Entries int // export entries for the worker's bundle
	Held    int // models held afterwards
	Removed int // models dropped because the export no longer has them
	// Newer counts models kept as they are because a delta newer than the
	// export was applied to them while it was being fetched.
	Newer int
}

// Reconcile sets the registry to exactly the export entries whose bundles
// contain the worker's bundle (extensions E3): replace semantics, so held
// models absent from the export are removed, and variant entries from the
// models directory disappear. The epoch guard of each entry is set to the
// export's epoch, and the worker's config epoch becomes that epoch. A model
// whose guard is already past the export (a delta applied during the fetch)
// is left alone, so a reconcile never rolls a newer document back. An export
// with no entry for the bundle leaves the registry as it is (the empty-
// filter rule of worker-protocol.md §1).
func (w *State) Reconcile(epoch int64, export []ExportEntry) ReconcileResult {
	var res ReconcileResult
	next := make(map[string][]byte, len(w.models))
	models := make(map[string]*workerview.Model, len(w.models))
	newer := map[string]bool{}
	for id, last := range w.epochs {
		if last > epoch {
			newer[id] = true
		}
	}
	for i := range export {
		e := &export[i]
		if !slices.Contains(e.Bundles, w.bundle) {
			continue
		}
		res.Entries++
		if newer[e.ModelID] {
			continue
		}
		w.epochs[e.ModelID] = epoch
		if e.Model != nil {
			models[e.Model.ID] = e.Model
			next[e.Model.ID] = e.entry
		}
	}
	if res.Entries == 0 {
		w.configEpoch = epoch
		res.Held = len(w.models)
		return res
	}
	w.configEpoch = epoch
	for id, m := range w.models {
		if _, ok := models[id]; ok {
			continue
		}
		if newer[id] {
			models[id] = m
			next[id], _ = w.entries.Get(id)
			w.configEpoch = max(w.configEpoch, w.epochs[id])
			res.Newer++
			continue
		}
		res.Removed++
	}
	w.models = models
	w.entries = listhash.NewSetFrom(next)
	w.version++
	res.Held = len(models)
	return res
}
