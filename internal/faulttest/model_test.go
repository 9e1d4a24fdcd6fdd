package faulttest

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"

	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/yamldoc"
)

// Adapters the generated profiles use: bert_flash maps to bundle default,
// sglang to bundle sglang, so some models map to two bundles and their
// deltas reach gateways twice (once per bundle).
const (
	adapterDefault = "sie_server.adapters.bert_flash:BertFlashAdapter"
	adapterSGLang  = "sie_server.adapters.sglang:SGLangEmbeddingAdapter"
)

// maxProfiles bounds a model's growth: beyond it a writer replaces the
// model instead of appending.
const maxProfiles = 12

// modelState is what the suite knows about one model. Exactly one writer
// goroutine owns it, so its writes are ordered.
type modelState struct {
	id     string
	seed   *doc.Map // the seed document, nil for an API-only id
	cur    *doc.Map // the effective document; nil = the model does not exist
	hasAPI bool     // an API-layer document exists
	next   int      // the next fresh profile number (names are never reused)
	rev    int      // revision counter for PUT descriptions
	multi  bool     // odd profiles use the sglang adapter
}

func newModelState(id string, seed *doc.Map, multi bool) *modelState {
	return &modelState{id: id, seed: seed, cur: seed, multi: multi}
}

// write is one planned request and its expected outcome.
type write struct {
	kind     string // post-create, post-append, post-replay, put, delete
	method   string
	path     string
	body     []byte
	wantCode int
	change   bool // the write creates or changes something (bumps the epoch)

	m       *modelState
	nextDoc *doc.Map // the effective document after the write
	nextAPI bool
}

func (w *write) String() string { return w.kind + " " + w.m.id }

// commit records a write acknowledged with its expected status.
func (w *write) commit() {
	w.m.cur, w.m.hasAPI = w.nextDoc, w.nextAPI
}

// planWrite picks a random valid write for m.
func planWrite(m *modelState, rng *rand.Rand) *write {
	if m.cur == nil {
		if rng.IntN(10) < 7 {
			return planCreate(m)
		}
		return planPut(m, rng)
	}
	n := profileCount(m.cur)
	r := rng.IntN(100)
	switch {
	case r < 45 && n < maxProfiles:
		return planAppend(m)
	case r < 55 && n > 0:
		return planReplay(m, rng)
	case r < 80 || !m.hasAPI && m.seed == nil:
		return planPut(m, rng)
	default:
		return planDelete(m)
	}
}

// profile returns a fresh profile name and content. Names are never reused
// (except "default", which only whole documents carry), so an append never
// conflicts with an earlier one.
func (m *modelState) profile() (string, *doc.Map) {
	k := m.next
	m.next++
	adapter := adapterDefault
	if m.multi && k%2 == 1 {
		adapter = adapterSGLang
	}
	return fmt.Sprintf("p%d", k), doc.NewMap(
		doc.Entry{Key: "adapter_path", Value: adapter},
		doc.Entry{Key: "max_batch_tokens", Value: int64(1024 + k)},
	)
}

// document is a complete model document with a "default" profile. Plain
// ones pass the worker's strict schema; with description they are held as
// stubs (worker-protocol.md §4).
func (m *modelState) document(hfID string, description bool, extra int) *doc.Map {
	_, def := m.profile()
	profiles := doc.NewMap(doc.Entry{Key: "default", Value: def})
	for range extra {
		name, p := m.profile()
		profiles.Set(name, p)
	}
	d := doc.NewMap(
		doc.Entry{Key: "sie_id", Value: m.id},
		doc.Entry{Key: "hf_id", Value: hfID},
		doc.Entry{Key: "tasks", Value: doc.NewMap(doc.Entry{Key: "encode", Value: doc.NewMap(
			doc.Entry{Key: "dense", Value: doc.NewMap(doc.Entry{Key: "dim", Value: int64(8)})})})},
	)
	if description {
		d.Set("description", "stub on workers")
	}
	d.Set("profiles", profiles)
	return d
}

func planCreate(m *modelState) *write {
	body := m.document(m.id, false, 0)
	return &write{kind: "post-create", method: "POST", path: "/v1/configs/models", body: yamldoc.Emit(body),
		wantCode: 201, change: true, m: m, nextDoc: body, nextAPI: true}
}

// planAppend adds one new profile; the merge keeps everything else (D3d B1).
func planAppend(m *modelState) *write {
	name, p := m.profile()
	body := doc.NewMap(
		doc.Entry{Key: "sie_id", Value: m.id},
		doc.Entry{Key: "profiles", Value: doc.NewMap(doc.Entry{Key: name, Value: p})},
	)
	next := m.cur.Clone()
	profiles, _ := next.Get("profiles")
	pm, ok := profiles.(*doc.Map)
	if !ok {
		pm = doc.NewMap()
		next.Set("profiles", pm)
	}
	pm.Set(name, p.Clone())
	return &write{kind: "post-append", method: "POST", path: "/v1/configs/models", body: yamldoc.Emit(body),
		wantCode: 201, change: true, m: m, nextDoc: next, nextAPI: true}
}

// planReplay repeats an existing profile unchanged: 200, nothing changes.
func planReplay(m *modelState, rng *rand.Rand) *write {
	profiles, _ := m.cur.Get("profiles")
	pm := profiles.(*doc.Map)
	e := pm.Entries()[rng.IntN(pm.Len())]
	body := doc.NewMap(
		doc.Entry{Key: "sie_id", Value: m.id},
		doc.Entry{Key: "profiles", Value: doc.NewMap(doc.Entry{Key: e.Key, Value: e.Value})},
	)
	return &write{kind: "post-replay", method: "POST", path: "/v1/configs/models", body: yamldoc.Emit(body),
		wantCode: 200, m: m, nextDoc: m.cur, nextAPI: m.hasAPI}
}

// planPut replaces the whole document with one or two fresh profiles.
func planPut(m *modelState, rng *rand.Rand) *write {
	m.rev++
	body := m.document(fmt.Sprintf("%s-rev%d", m.id, m.rev), rng.IntN(4) == 0, rng.IntN(2))
	code := 200
	if m.cur == nil {
		code = 201
	}
	return &write{kind: "put", method: "PUT", path: modelPath(m.id), body: yamldoc.Emit(body),
		wantCode: code, change: true, m: m, nextDoc: body, nextAPI: true}
}

// planDelete removes the API layer: the model reverts to its seed or
// disappears; without an API layer a seed model is unchanged.
func planDelete(m *modelState) *write {
	return &write{kind: "delete", method: "DELETE", path: modelPath(m.id),
		wantCode: 200, change: m.hasAPI, m: m, nextDoc: m.seed, nextAPI: false}
}

func profileCount(d *doc.Map) int {
	if d == nil {
		return 0
	}
	p, _ := d.Get("profiles")
	if pm, ok := p.(*doc.Map); ok {
		return pm.Len()
	}
	return 0
}

// modelPath is the item URL of id, each segment escaped.
func modelPath(id string) string {
	segs := strings.Split(id, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return "/v1/configs/models/" + strings.Join(segs, "/")
}
