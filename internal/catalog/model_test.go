package catalog

import (
	"fmt"
	"slices"
	"testing"

	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/yamldoc"
)

func parsed(t *testing.T, text string) *doc.Map {
	t.Helper()
	d, err := yamldoc.Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A model rebuilds exactly the document it was built from, on every call,
// as a tree of its own; the layers answer as before.
func TestModelEffectiveIsTheDocument(t *testing.T) {
	seedText := "sie_id: a/m\nprofiles:\n  default:\n    adapter_path: mod.a:C\n"
	apiText := "sie_id: a/m\nx: 1.0\nz: .nan\nl: [1, 'two', null, {k: -0.0}]\nprofiles:\n  p2: {adapter_path: mod.s:S, max_batch_tokens: 9}\n  p1: {adapter_path: mod.a:A}\n"
	snap := NewSnapshot(testBundles(), []Seed{{ID: "a/m", Doc: parsed(t, seedText), Text: seedText}}, nil)
	seedModel := snap.Exact("a/m")
	if !doc.Identical(seedModel.Effective(), parsed(t, seedText)) || seedModel.Text() != seedText || seedModel.Source() != SourceFilesystem || seedModel.HasAPI() {
		t.Fatal("seed model")
	}
	next, m := snap.WithAPI("a/m", parsed(t, apiText), apiText)
	if !doc.Identical(m.Effective(), parsed(t, apiText)) || m.Text() != apiText || m.Source() != SourceAPI || !m.HasAPI() || !m.HasSeed() {
		t.Fatal("API model")
	}
	if d, text := m.Seed(); !doc.Identical(d, parsed(t, seedText)) || text != seedText {
		t.Fatal("seed layer under the API layer")
	}
	// Each call is a fresh tree: a caller changing one changes nothing else.
	m.Effective().Set("sie_id", "changed")
	if v, _ := m.Effective().Get("sie_id"); v != "a/m" {
		t.Fatalf("sie_id %v after a caller changed its copy", v)
	}
	if !slices.Equal(m.ProfileNames(), []string{"p1", "p2"}) || !slices.Equal(m.Modules(), []string{"mod.a", "mod.s"}) ||
		!slices.Equal(m.Bundles(), []string{"default", "sglang"}) {
		t.Fatalf("lists %v %v %v", m.ProfileNames(), m.Modules(), m.Bundles())
	}
	// Its hash entries are those of its effective document, per bundle.
	got := map[string]string{}
	for b, e := range m.HashEntries() {
		got[b] = string(e)
	}
	for _, b := range []string{"default", "sglang"} {
		if want := ConfigModelEntry("a/m", parsed(t, apiText), next.Bundles().Lookup(b).AdapterSet()); got[b] != string(want) {
			t.Fatalf("entry in %s: %s, want %s", b, got[b], want)
		}
	}
	_, back := next.WithoutAPI("a/m")
	if !doc.Identical(back.Effective(), parsed(t, seedText)) || back.Text() != seedText || back.HasAPI() {
		t.Fatal("reverted to the seed")
	}
}

// A document Pack refuses is kept as a tree, and answers the same way.
func TestModelKeepsAnUnpackableDocument(t *testing.T) {
	d := testDoc("odd/m", "mod.a")
	d.Set("count", 3) // an int, not a document value
	snap := NewSnapshot(testBundles(), nil, nil)
	_, m := snap.WithAPI("odd/m", d, "text")
	if !m.HasAPI() || m.Effective() != d || m.Text() != "text" || !slices.Equal(m.Bundles(), []string{"default"}) {
		t.Fatal("unpackable document")
	}
	n := 0
	for range m.HashEntries() {
		n++
	}
	if n != 1 {
		t.Fatalf("%d entries", n)
	}
}

// Models share their lists and strings, never their identity: each keeps
// its own id, document and entries, and a model with other lists gets its
// own.
func TestModelSharingDoesNotLeakAcrossIDs(t *testing.T) {
	snap := NewSnapshot(testBundles(), nil, nil)
	var models []*Model
	for i := range 50 {
		id := fmt.Sprintf("m/%02d", i)
		text := "sie_id: " + id + "\nprofiles:\n  default:\n    adapter_path: mod.a:C\n    max_batch_tokens: " + fmt.Sprint(i) + "\n"
		models = append(models, snap.APIModel(id, parsed(t, text), text))
	}
	other := "sie_id: m/other\nprofiles:\n  fast:\n    adapter_path: mod.a:C\n"
	models = append(models, snap.APIModel("m/other", parsed(t, other), other))
	for i, m := range models[:50] {
		id := fmt.Sprintf("m/%02d", i)
		if m.ID != id || m.lists != models[0].lists {
			t.Fatalf("model %d: id %q, lists shared %v", i, m.ID, m.lists == models[0].lists)
		}
		if v, _ := m.Effective().Get("sie_id"); v != id {
			t.Fatalf("model %d holds the document of %v", i, v)
		}
		for _, e := range m.HashEntries() {
			if want := ConfigModelEntry(id, m.Effective(), snap.Bundles().Lookup("default").AdapterSet()); string(e) != string(want) {
				t.Fatalf("model %d entry %s", i, e)
			}
		}
	}
	if o := models[50]; o.lists == models[0].lists || !slices.Equal(o.ProfileNames(), []string{"fast"}) || !slices.Equal(models[0].ProfileNames(), []string{"default"}) {
		t.Fatal("a model with another profile shares the usual lists")
	}
}
