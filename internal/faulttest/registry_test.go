package faulttest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/yamldoc"
)

// registry is a set of model documents by id: what sie-config exports or a
// gateway mirrors.
type registry map[string]*doc.Map

// digest is SHA-256 over the sorted ids, each with its document as
// canonical (sorted-key) JSON. Two registries with the same digest hold the
// same ids with the same documents.
func (r registry) digest() string {
	h := sha256.New()
	for _, id := range r.ids() {
		fmt.Fprintf(h, "%q\n", id)
		h.Write(canonjson.Canonical(r[id], canonjson.ORJSON))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func (r registry) ids() []string {
	ids := make([]string, 0, len(r))
	for id := range r {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// diff describes how r differs from want (at most a few ids), for failure
// messages.
func (r registry) diff(want registry) string {
	var out []string
	for _, id := range want.ids() {
		got, ok := r[id]
		switch {
		case !ok:
			out = append(out, "missing "+id)
		case !doc.Equal(got, want[id]):
			out = append(out, "differs "+id)
		}
	}
	for _, id := range r.ids() {
		if _, ok := want[id]; !ok {
			out = append(out, "extra "+id)
		}
	}
	if len(out) > 6 {
		out = append(out[:6], fmt.Sprintf("… %d more", len(out)-6))
	}
	return strings.Join(out, ", ")
}

// exportSnap is GET /v1/configs/export, parsed.
type exportSnap struct {
	Epoch  uint64
	Models registry
}

// fetchExport reads the export and parses every raw_yaml with the project's
// YAML dialect, the way a gateway does.
func fetchExport(t testing.TB, base string) exportSnap {
	t.Helper()
	code, body := mustDo(t, base, "GET", "/v1/configs/export", nil)
	if code != 200 {
		t.Fatalf("GET /v1/configs/export: %d %s", code, body)
	}
	var wire struct {
		Epoch  uint64 `json:"epoch"`
		Models []struct {
			ModelID string `json:"model_id"`
			RawYAML string `json:"raw_yaml"`
		} `json:"models"`
	}
	if err := json.Unmarshal(body, &wire); err != nil {
		t.Fatalf("export: %v", err)
	}
	snap := exportSnap{Epoch: wire.Epoch, Models: registry{}}
	for _, m := range wire.Models {
		d, err := yamldoc.Parse([]byte(m.RawYAML))
		if err != nil {
			t.Fatalf("export entry %s does not parse: %v", m.ModelID, err)
		}
		snap.Models[m.ModelID] = d
	}
	return snap
}

// profileNames are the sorted profile names of a document.
func profileNames(d *doc.Map) []string {
	p, _ := d.Get("profiles")
	pm, ok := p.(*doc.Map)
	if !ok {
		return []string{}
	}
	names := pm.Keys()
	sort.Strings(names)
	return names
}
