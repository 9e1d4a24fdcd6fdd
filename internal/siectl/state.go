package siectl

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/controlplane"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/yamldoc"
)

// localModel is one parsed model document of -f FILE|DIR.
type localModel struct {
	file string
	text []byte
	id   string
	doc  *doc.Map
}

// parseLocal parses every file with the server's YAML dialect. Any
// unparseable file or id given twice fails the whole set: apply and diff
// must never act on (or prune because of) a half-read directory.
func parseLocal(files []modelFile) ([]localModel, error) {
	var problems []string
	seen := map[string]string{}
	out := make([]localModel, 0, len(files))
	for _, f := range files {
		d, err := yamldoc.Parse(f.data)
		if err != nil {
			problems = append(problems, f.path+": "+err.Error())
			continue
		}
		id, err := catalog.DocumentID(d)
		if err != nil {
			problems = append(problems, f.path+": "+err.Error())
			continue
		}
		if other, dup := seen[id]; dup {
			problems = append(problems, fmt.Sprintf("%s: model %s is also defined in %s", f.path, id, other))
			continue
		}
		seen[id] = f.path
		out = append(out, localModel{file: f.path, text: f.data, id: id, doc: d})
	}
	if len(problems) > 0 {
		return nil, failed("nothing was changed; fix these files first:\n  %s", strings.Join(problems, "\n  "))
	}
	return out, nil
}

// serverModel is one model as sie-config serves it.
type serverModel struct {
	id      string
	source  string // "api" or "filesystem"; "" when unknown
	text    string // effective document text
	etag    string
	doc     *doc.Map // nil when the text does not parse (never equal)
	bundles []string
}

// serverState is sie-config's models and epoch.
type serverState struct {
	epoch  int64
	models map[string]*serverModel
}

// fetchState reads /v1/configs/export (documents and epoch) and
// /v1/configs/models (sources).
func (o *options) fetchState(ctx context.Context) (*serverState, error) {
	r, err := o.getConfig(ctx, "/v1/configs/export")
	if err != nil {
		return nil, err
	}
	var ex struct {
		Epoch  int64 `json:"epoch"`
		Models []struct {
			ModelID string   `json:"model_id"`
			RawYAML string   `json:"raw_yaml"`
			Bundles []string `json:"affected_bundles"`
		} `json:"models"`
	}
	if err := json.Unmarshal(r.body, &ex); err != nil {
		return nil, failed("unreadable export: %v", err)
	}
	st := &serverState{epoch: ex.Epoch, models: make(map[string]*serverModel, len(ex.Models))}
	for _, m := range ex.Models {
		sm := &serverModel{id: m.ModelID, text: m.RawYAML, etag: controlplane.ETag(m.RawYAML), bundles: m.Bundles}
		sm.doc, _ = yamldoc.Parse([]byte(m.RawYAML))
		st.models[m.ModelID] = sm
	}
	r, err = o.getConfig(ctx, "/v1/configs/models")
	if err != nil {
		return nil, err
	}
	var list struct {
		Models []struct {
			ModelID string `json:"model_id"`
			Source  string `json:"source"`
		} `json:"models"`
	}
	if err := json.Unmarshal(r.body, &list); err != nil {
		return nil, failed("unreadable model list: %v", err)
	}
	for _, m := range list.Models {
		if sm := st.models[m.ModelID]; sm != nil {
			sm.source = m.Source
		}
	}
	return st, nil
}

// Plan actions.
const (
	actCreate    = "create"
	actAppend    = "append"
	actReplace   = "replace"
	actUnchanged = "unchanged"
	actDelete    = "delete"
)

// action is one step that makes the server match the local documents.
type action struct {
	kind   string
	id     string
	local  *localModel  // nil for delete
	server *serverModel // nil for create
	delta  docDelta
}

// docDelta names what a replace or append changes.
type docDelta struct {
	ProfilesAdded   []string `json:"profiles_added"`
	ProfilesRemoved []string `json:"profiles_removed"`
	ProfilesChanged []string `json:"profiles_changed"`
	FieldsChanged   []string `json:"fields_changed"`
}

// makePlan decides, per local document: create (unknown id), unchanged
// (value-equal), append (the local document only adds profiles, and maybe
// top-level keys with them: a POST makes the server match), else replace
// (a PUT guarded by If-Match). With prune, every API model absent from the
// local set is deleted (a seed model then reverts to its seed).
func makePlan(locals []localModel, st *serverState, prune bool) []action {
	var plan []action
	inLocal := map[string]bool{}
	for i := range locals {
		l := &locals[i]
		inLocal[l.id] = true
		s := st.models[l.id]
		a := action{id: l.id, local: l, server: s}
		switch {
		case s == nil:
			a.kind = actCreate
			a.delta.ProfilesAdded = profileNames(l.doc)
		case s.doc != nil && doc.Equal(s.doc, l.doc):
			a.kind = actUnchanged
		default:
			a.delta = diffDocs(s.doc, l.doc)
			a.kind = actReplace
			if isAppend(a.delta) {
				a.kind = actAppend
			}
		}
		plan = append(plan, a)
	}
	if prune {
		var extra []string
		for id, s := range st.models {
			if !inLocal[id] && s.source == catalog.SourceAPI {
				extra = append(extra, id)
			}
		}
		sort.Strings(extra)
		for _, id := range extra {
			plan = append(plan, action{kind: actDelete, id: id, server: st.models[id]})
		}
	}
	return plan
}

// isAppend: only new profiles (and new top-level keys, which a POST adds
// together with them); nothing removed or changed.
func isAppend(d docDelta) bool {
	if len(d.ProfilesAdded) == 0 || len(d.ProfilesRemoved) > 0 || len(d.ProfilesChanged) > 0 {
		return false
	}
	for _, f := range d.FieldsChanged {
		if !strings.HasPrefix(f, "+") {
			return false
		}
	}
	return true
}

// diffDocs compares two documents: profiles by name (whole mapping), other
// top-level keys by value; fields are listed as +key, -key or ~key.
func diffDocs(server, local *doc.Map) docDelta {
	d := docDelta{ProfilesAdded: []string{}, ProfilesRemoved: []string{}, ProfilesChanged: []string{}, FieldsChanged: []string{}}
	if server == nil {
		server = doc.NewMap()
	}
	sp, lp := catalog.Profiles(server), catalog.Profiles(local)
	for _, e := range lp.Entries() {
		old, ok := sp.Get(e.Key)
		switch {
		case !ok:
			d.ProfilesAdded = append(d.ProfilesAdded, e.Key)
		case !doc.Equal(old, e.Value):
			d.ProfilesChanged = append(d.ProfilesChanged, e.Key)
		}
	}
	for _, e := range sp.Entries() {
		if !lp.Has(e.Key) {
			d.ProfilesRemoved = append(d.ProfilesRemoved, e.Key)
		}
	}
	for _, e := range local.Entries() {
		if e.Key == "profiles" {
			continue
		}
		old, ok := server.Get(e.Key)
		switch {
		case !ok:
			d.FieldsChanged = append(d.FieldsChanged, "+"+e.Key)
		case !doc.Equal(old, e.Value):
			d.FieldsChanged = append(d.FieldsChanged, "~"+e.Key)
		}
	}
	for _, e := range server.Entries() {
		if e.Key != "profiles" && !local.Has(e.Key) {
			d.FieldsChanged = append(d.FieldsChanged, "-"+e.Key)
		}
	}
	return d
}

func profileNames(d *doc.Map) []string {
	out := []string{}
	for _, e := range catalog.Profiles(d).Entries() {
		out = append(out, e.Key)
	}
	return out
}

// summary is the plan line's detail.
func (d docDelta) summary() string {
	var parts []string
	if len(d.ProfilesAdded) > 0 {
		parts = append(parts, "+profiles "+strings.Join(d.ProfilesAdded, ","))
	}
	if len(d.ProfilesRemoved) > 0 {
		parts = append(parts, "-profiles "+strings.Join(d.ProfilesRemoved, ","))
	}
	if len(d.ProfilesChanged) > 0 {
		parts = append(parts, "~profiles "+strings.Join(d.ProfilesChanged, ","))
	}
	if len(d.FieldsChanged) > 0 {
		parts = append(parts, "fields "+strings.Join(d.FieldsChanged, ","))
	}
	return strings.Join(parts, "  ")
}
