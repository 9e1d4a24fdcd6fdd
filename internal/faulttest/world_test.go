package faulttest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/samplecatalog"
	"github.com/sieproject/sie/internal/yamldoc"
)

// world is the catalog a test runs on plus the models its writers own.
type world struct {
	catalog string          // dir with bundles/ and models/ (the sample catalog)
	seeds   registry        // the seed documents by id
	owned   [][]*modelState // per writer
	led     *ledger
}

// seedIDs are sample-catalog models writer 0 also writes to (PUT shadows,
// DELETE reverts), next to its API-only models.
var seedIDs = []string{"intfloat/e5-base-v2", "naver/splade-v3"}

// newWorld materialises the sample catalog and gives each writer perWriter
// API-only models named prefix/w<i>-m<k>; writer 0 also owns seedIDs.
func newWorld(t testing.TB, prefix string, writers, perWriter int) *world {
	t.Helper()
	dir := t.TempDir()
	if err := samplecatalog.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	w := &world{catalog: dir, seeds: registry{}, led: newLedger()}
	files, _ := filepath.Glob(filepath.Join(dir, "models", "*.yaml"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d, err := yamldoc.Parse(data)
		if err != nil {
			t.Fatalf("seed %s: %v", f, err)
		}
		id, _ := d.Get("sie_id")
		w.seeds[id.(string)] = d
	}
	for i := range writers {
		var ms []*modelState
		for k := range perWriter {
			ms = append(ms, newModelState(fmt.Sprintf("%s/w%d-m%d", prefix, i, k), nil, k%3 == 2))
		}
		if i == 0 {
			for _, id := range seedIDs {
				ms = append(ms, newModelState(id, w.seeds[id], false))
			}
		}
		w.owned = append(w.owned, ms)
	}
	return w
}

func (w *world) models() []*modelState {
	var all []*modelState
	for _, ms := range w.owned {
		all = append(all, ms...)
	}
	return all
}

// expected is the registry sie-config must export: the seeds, overlaid by
// the owned models' current documents.
func (w *world) expected() registry {
	r := registry{}
	for id, d := range w.seeds {
		r[id] = d
	}
	for _, m := range w.models() {
		if m.cur == nil {
			delete(r, m.id)
		} else {
			r[m.id] = m.cur
		}
	}
	return r
}

// reconcile checks every owned model against sie-config after a crash:
// each must hold its last acknowledged document, or the document of the
// one write in doubt for it. It then adopts what the server holds, so the
// next cycle starts from certainty, and compares the whole export. It
// returns how many writes in doubt turned out to have been applied.
func (w *world) reconcile(t testing.TB, base string, doubtful []*write) (applied int) {
	t.Helper()
	inDoubt := map[*modelState]*write{}
	for _, d := range doubtful {
		inDoubt[d.m] = d
	}
	sources := listSources(t, base)
	for _, m := range w.models() {
		got := getModel(t, base, m.id)
		d := inDoubt[m]
		switch {
		case sameDoc(got, m.cur):
		case d != nil && sameDoc(got, d.nextDoc):
			applied++
		default:
			t.Errorf("%s: acknowledged state lost: server holds %s, want %s%s",
				m.id, brief(got), brief(m.cur), doubtNote(d))
		}
		m.cur, m.hasAPI = got, sources[m.id] == "api"
		if m.seed == nil && m.hasAPI != (got != nil) {
			t.Errorf("%s: source %q inconsistent with the document", m.id, sources[m.id])
		}
	}
	snap := fetchExport(t, base)
	if want := w.expected(); snap.Models.digest() != want.digest() {
		t.Errorf("export differs from the acknowledged state: %s", snap.Models.diff(want))
	}
	return applied
}

func doubtNote(d *write) string {
	if d == nil {
		return ""
	}
	return fmt.Sprintf(" (or %s after the write in doubt, %s)", brief(d.nextDoc), d)
}

func sameDoc(a, b *doc.Map) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return doc.Equal(a, b)
}

// brief shortens a document for messages.
func brief(d *doc.Map) string {
	if d == nil {
		return "<absent>"
	}
	s := strings.ReplaceAll(string(yamldoc.Emit(d)), "\n", " ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return "{" + s + "}"
}

// getModel reads GET /v1/configs/models/{id}: the parsed document, or nil
// for 404.
func getModel(t testing.TB, base, id string) *doc.Map {
	t.Helper()
	code, body := mustDo(t, base, "GET", modelPath(id), nil)
	switch code {
	case 404:
		return nil
	case 200:
	default:
		t.Fatalf("GET %s: %d %s", id, code, body)
	}
	d, err := yamldoc.Parse(body)
	if err != nil {
		t.Fatalf("GET %s: the document does not parse: %v\n%s", id, err, body)
	}
	return d
}

// listSources maps each model id to its source ("api" or "filesystem").
func listSources(t testing.TB, base string) map[string]string {
	t.Helper()
	code, body := mustDo(t, base, "GET", "/v1/configs/models", nil)
	var list struct {
		Models []struct {
			ID     string `json:"model_id"`
			Source string `json:"source"`
		} `json:"models"`
	}
	if code != 200 || json.Unmarshal(body, &list) != nil {
		t.Fatalf("GET /v1/configs/models: %d %s", code, body)
	}
	out := map[string]string{}
	for _, m := range list.Models {
		out[m.ID] = m.Source
	}
	return out
}
