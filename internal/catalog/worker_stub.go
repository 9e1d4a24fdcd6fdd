package catalog

import "github.com/sieproject/sie/internal/doc"

// BuildWorkerStub builds the reduced form a worker stores when a NATS
// document fails the strict schema (worker-protocol.md §4), or returns nil
// when the stub fails too (the worker then ignores the document). modelID is
// the payload's model_id, used when the document has no sie_id key.
func BuildWorkerStub(raw *doc.Map, modelID string) *WorkerModel {
	var id any = modelID
	if v, ok := raw.Get("sie_id"); ok {
		id = v // even null: the stub then fails on its type
	}
	idStr, ok := id.(string)
	if !ok {
		return nil
	}
	pv, ok := raw.Get("profiles")
	if !ok || !truthy(pv) {
		return nil
	}
	profiles, ok := asMap(pv)
	if !ok {
		return nil
	}
	m := &WorkerModel{
		ID:      idStr,
		Form:    WorkerStub,
		HFID:    idStr,
		Inputs:  []string{"text"},
		Outputs: nil,
		Dims:    doc.NewMap(),
	}
	if v, ok := raw.Get("hf_id"); ok {
		m.HFID = v
	}
	if !workerOptString(m.HFID) || m.HFID == nil {
		// null hf_id leaves neither hf_id nor weights_path set.
		return nil
	}
	for _, e := range profiles.Entries() {
		src, ok := asMap(e.Value)
		if !ok {
			return nil
		}
		prof := WorkerProfile{Name: e.Key}
		prof.AdapterPath, _ = src.Get("adapter_path")
		prof.Extends, _ = src.Get("extends")
		if !workerOptString(prof.AdapterPath) || !workerOptString(prof.Extends) {
			return nil
		}
		mbt, _ := src.Get("max_batch_tokens")
		if prof.MaxBatchTokens, ok = workerOptInt(mbt); !ok {
			return nil
		}
		m.Profiles = append(m.Profiles, prof)
	}
	if len(workerProfileRules(m.Profiles)) > 0 {
		return nil
	}
	return m
}

// WorkerViewOf returns the form a worker would hold d in after receiving it
// by NATS: full when the strict schema accepts it, else the stub, else nil
// (not held). The gateway uses it to predict workers (hashes.md §4.3).
func WorkerViewOf(d *doc.Map, modelID string) *WorkerModel {
	if m, problems := ParseWorkerModel(d); len(problems) == 0 {
		return m
	}
	return BuildWorkerStub(d, modelID)
}
