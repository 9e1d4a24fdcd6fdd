package workerview

import "github.com/sieproject/sie/internal/doc"

// BuildStub builds the reduced form a worker stores when a NATS
// document fails the strict schema (worker-protocol.md §4), or returns nil
// when the stub fails too (the worker then ignores the document). modelID is
// the payload's model_id, used when the document has no sie_id key.
func BuildStub(raw *doc.Map, modelID string) *Model {
	m, _ := buildStub(raw, modelID)
	return m
}

// buildStub is BuildStub with the reasons a stub cannot be
// built.
func buildStub(raw *doc.Map, modelID string) (*Model, problemList) {
	var p problemList
	var id any = modelID
	if v, ok := raw.Get("sie_id"); ok {
		id = v // even null: the stub then fails on its type
	}
	idStr, ok := id.(string)
	if !ok {
		p.typed("sie_id", msgString, id)
		return nil, p
	}
	pv, ok := raw.Get("profiles")
	if !ok || !doc.Truthy(pv) {
		p.rule("profiles", "profiles must be a non-empty mapping", "'profiles' is missing or empty")
		return nil, p
	}
	profiles, ok := asMap(pv)
	if !ok {
		p.typed("profiles", msgDict, pv)
		return nil, p
	}
	m := &Model{
		ID:      idStr,
		Form:    Stub,
		HFID:    idStr,
		Inputs:  []string{"text"},
		Outputs: nil,
		Dims:    doc.NewMap(),
	}
	if v, ok := raw.Get("hf_id"); ok {
		m.HFID = v
	}
	switch {
	case !workerOptString(m.HFID):
		p.typed("hf_id", msgString, m.HFID)
		return nil, p
	case m.HFID == nil:
		// null hf_id leaves neither hf_id nor weights_path set.
		p.rule("hf_id", "either hf_id or weights_path must be set", "'hf_id' is null, so the stub has neither 'hf_id' nor 'weights_path'")
		return nil, p
	}
	for _, e := range profiles.Entries() {
		loc := "profiles." + e.Key
		src, ok := asMap(e.Value)
		if !ok {
			p.typed(loc, msgObject, e.Value)
			return nil, p
		}
		prof := Profile{Name: e.Key}
		prof.AdapterPath, _ = src.Get("adapter_path")
		prof.Extends, _ = src.Get("extends")
		if !workerOptString(prof.AdapterPath) {
			p.typed(loc+".adapter_path", msgString, prof.AdapterPath)
		}
		if !workerOptString(prof.Extends) {
			p.typed(loc+".extends", msgString, prof.Extends)
		}
		mbt, _ := src.Get("max_batch_tokens")
		if prof.MaxBatchTokens, ok = workerOptInt(mbt); !ok {
			p.typed(loc+".max_batch_tokens", msgInt, mbt)
		}
		if len(p) > 0 {
			return nil, p
		}
		m.Profiles = append(m.Profiles, prof)
	}
	if p = workerProfileRules(m.Profiles); len(p) > 0 {
		return nil, p
	}
	return m, nil
}

// Held returns the form a worker would hold d in after receiving it
// by NATS: full when the strict schema accepts it, else the stub, else nil
// (not held). The gateway uses it to predict workers (hashes.md §4.3).
func Held(d *doc.Map, modelID string) *Model {
	return Of(d, modelID).Model
}
