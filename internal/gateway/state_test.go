package gateway

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/doc"
)

// model_registry.rs #1, #2, #5–#8.
func TestStateLookupAndBundles(t *testing.T) {
	if st := emptyState(); st.Len() != 0 || len(st.Bundles()) != 0 || st.Find("x") != nil {
		t.Fatal("empty registry")
	}
	bundles := []*catalog.Bundle{bundle("big", 50, bertFlash, "shared"), bundle("small", 5, "shared"), bundle("other", 5, "zzz")}
	var docs []Document
	for _, d := range []string{modelYAML("Org/Model", "default=shared"), modelYAML("org/model", "default"), modelYAML("ORG/MODEL", "default")} {
		docs = append(docs, Document{Doc: mustParse(t, d)})
	}
	st, errs := NewState(bundles, docs, 0, "")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if got := st.Find("org/model"); got == nil || got.ID != "org/model" {
		t.Fatal("exact id first")
	}
	// Case-insensitive: the smallest colliding id in code-point order.
	if got := st.Find("oRg/mOdEl"); got == nil || got.ID != "ORG/MODEL" {
		t.Fatalf("case-insensitive lookup: %+v", got)
	}
	if got := st.Find("nope"); got != nil {
		t.Fatal("unknown found")
	}
	if b := st.Exact("Org/Model").Bundles; !slices.Equal(b, []string{"small", "big"}) {
		t.Fatalf("bundle order by priority: %v", b)
	}
	var names []string
	for _, b := range st.Bundles() {
		names = append(names, b.Name)
	}
	if !slices.Equal(names, []string{"other", "small", "big"}) {
		t.Fatalf("bundles in bundle order (ties by name): %v", names)
	}
	if st.Bundle("Small") != nil || st.Bundle("small") == nil {
		t.Fatal("bundle lookup is exact")
	}
}

func TestAcceptDocument(t *testing.T) {
	ok := []string{"sie_id: a\n", "name: b\nprofiles: {}\n", "sie_id: c\nprofiles: {p: {adapter_path: null}}\n", "sie_id: ''\nname: nm\n"}
	for _, d := range ok {
		if _, err := acceptDocument(mustParse(t, d)); err != nil {
			t.Errorf("%q: %v", d, err)
		}
	}
	bad := []string{"x: 1\n", "sie_id: 5\n", "sie_id: a\nprofiles: [1]\n", "sie_id: a\nprofiles: {p: 1}\n", "sie_id: a\nprofiles: {p: {adapter_path: 5}}\n"}
	for _, d := range bad {
		if _, err := acceptDocument(mustParse(t, d)); err == nil {
			t.Errorf("%q accepted", d)
		}
	}
}

// model_registry.rs #10: the bundle hash is 64 hex, stable, and "" for an
// unknown bundle; incremental updates equal a full rebuild.
func TestExpectedHashIncremental(t *testing.T) {
	bundles := []*catalog.Bundle{bundle("a", 1, "ma", "shared"), bundle("b", 2, "mb", "shared")}
	st := newState(bundles, nil, 0, "")
	rng := rand.New(rand.NewPCG(1, 2))
	docs := map[string]*doc.Map{}
	modules := []string{"ma", "mb", "shared", "none"}
	for i := 0; i < 300; i++ {
		id := fmt.Sprintf("m/%02d", rng.IntN(40))
		if rng.IntN(4) == 0 {
			st = st.withoutModel(id)
			delete(docs, id)
		} else {
			d := modelYAML(id, "default="+modules[rng.IntN(4)], "p2="+modules[rng.IntN(4)])
			if rng.IntN(5) == 0 {
				d = "description: stub form\n" + d
			}
			parsed := mustParse(t, d)
			mdl, err := modelFromDocument(Document{Doc: parsed}, st.bundles)
			if err != nil {
				t.Fatal(err)
			}
			st = st.withModel(mdl)
			docs[id] = parsed
		}
		if i%5 != 4 {
			continue // a full rebuild every few steps keeps the test fast
		}
		var all []Document
		for _, d := range docs {
			all = append(all, Document{Doc: d})
		}
		full, _ := NewState(bundles, all, 0, "")
		for _, b := range []string{"a", "b", "c"} {
			if got, want := st.ExpectedHash(b), full.ExpectedHash(b); got != want {
				t.Fatalf("step %d bundle %s: incremental %q, full %q", i, b, got, want)
			}
		}
		if !slices.Equal(modelIDs(st), modelIDs(full)) {
			t.Fatalf("step %d: ids %v vs %v", i, modelIDs(st), modelIDs(full))
		}
	}
	if h := st.ExpectedHash("a"); len(h) != 64 {
		t.Fatalf("hash %q", h)
	}
	if st.ExpectedHash("c") != "" {
		t.Fatal("unknown bundle must hash to \"\"")
	}
}
