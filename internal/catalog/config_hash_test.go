package catalog

import (
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/listhash"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/yamldoc"
)

// guardRejects reports whether any file fails the plain-scalar guard (D3f):
// upstream's PyYAML read such files, ours deliberately refuses them.
func guardRejects(files map[string]string) bool {
	for _, text := range files {
		var g *yamldoc.GuardError
		if _, err := yamldoc.Parse([]byte(text)); errors.As(err, &g) {
			return true
		}
	}
	return false
}

func TestBundlesHashVectors(t *testing.T) {
	var file struct {
		Cases []struct {
			ID         string            `json:"id"`
			Bundles    map[string]string `json:"bundles"`
			CatalogDir string            `json:"catalog_dir"`
			Canonical  string            `json:"canonical"`
			SHA256     string            `json:"sha256"`
		} `json:"cases"`
	}
	testkit.LoadVector(t, "bundles_hash.json", &file)
	if len(file.Cases) != 12 {
		t.Fatalf("got %d cases, want 12", len(file.Cases))
	}
	for _, c := range file.Cases {
		t.Run(c.ID, func(t *testing.T) {
			// The algorithm alone: rebuild the bundles from the canonical
			// text (adapters reversed so the sort is exercised).
			if c.Canonical != "" {
				var objs []struct {
					Name     string   `json:"name"`
					Priority int64    `json:"priority"`
					Adapters []string `json:"adapters"`
				}
				if err := json.Unmarshal([]byte(c.Canonical), &objs); err != nil {
					t.Fatal(err)
				}
				var rebuilt []*Bundle
				for i := len(objs) - 1; i >= 0; i-- {
					o := objs[i]
					slices.Reverse(o.Adapters)
					rebuilt = append(rebuilt, &Bundle{Name: o.Name, Priority: o.Priority, Adapters: o.Adapters})
				}
				if got := BundlesHash(rebuilt); got != c.SHA256 {
					t.Errorf("from canonical: bundles_hash = %q, want %q", got, c.SHA256)
				}
			}
			// The files through the loader, where our YAML dialect reads them
			// as PyYAML did.
			if guardRejects(c.Bundles) {
				t.Logf("a bundle file uses a plain scalar the D3f guard rejects; loader path skipped")
				return
			}
			var bundles []*Bundle
			if c.CatalogDir != "" {
				dir := testkit.SharedDir(t, c.CatalogDir)
				var err error
				bundles, err = LoadBundles(filepath.Join(dir, "bundles"), testkit.Discard())
				if err != nil {
					t.Fatal(err)
				}
			} else {
				bundles = inlineBundles(t, c.Bundles)
			}
			if got := BundlesHash(bundles); got != c.SHA256 {
				t.Errorf("bundles_hash = %q, want %q", got, c.SHA256)
			}
		})
	}
}

type configCase struct {
	ID           string            `json:"id"`
	Bundles      map[string]string `json:"bundles"`
	Documents    map[string]string `json:"documents"`
	CatalogDir   string            `json:"catalog_dir"`
	APIDocuments map[string]string `json:"api_documents"`
	BundlesHash  string            `json:"bundles_hash"`
	BundleOrder  []string          `json:"bundle_order"`
	ModelBundles map[string][]string
	Hashes       map[string]struct {
		SHA256    string  `json:"sha256"`
		Canonical *string `json:"canonical"`
	} `json:"bundle_config_hash"`
}

// load returns the case's bundles and effective documents by id.
func (c *configCase) load(t *testing.T) ([]*Bundle, map[string]*doc.Map) {
	t.Helper()
	docs := map[string]*doc.Map{}
	addSeed := func(name, text string) {
		seed, ok, err := ParseSeed([]byte(text))
		if err != nil || !ok {
			t.Fatalf("document %s: ok=%v err=%v", name, ok, err)
		}
		docs[seed.ID] = seed.Doc
	}
	if c.CatalogDir == "" {
		for _, name := range sortedKeys(c.Documents) {
			addSeed(name, c.Documents[name])
		}
		return inlineBundles(t, c.Bundles), docs
	}
	dir := testkit.SharedDir(t, c.CatalogDir)
	log := testkit.Discard()
	bundles, err := LoadBundles(filepath.Join(dir, "bundles"), log)
	if err != nil {
		t.Fatal(err)
	}
	seeds, err := LoadSeeds(filepath.Join(dir, "models"), log)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range seeds {
		docs[s.ID] = s.Doc
	}
	for _, name := range sortedKeys(c.APIDocuments) {
		addSeed(name, c.APIDocuments[name])
	}
	return bundles, docs
}

func TestConfigBundleHashVectors(t *testing.T) {
	var file struct {
		Cases []configCase `json:"cases"`
	}
	testkit.LoadVector(t, "config_bundle_hash.json", &file)
	if len(file.Cases) != 31 {
		t.Fatalf("got %d cases, want 31", len(file.Cases))
	}
	for _, c := range file.Cases {
		t.Run(c.ID, func(t *testing.T) {
			bundles, docs := c.load(t)
			if got := BundlesHash(bundles); got != c.BundlesHash {
				t.Errorf("bundles_hash = %q, want %q", got, c.BundlesHash)
			}
			ids := sortedKeys(docs)
			for name, want := range c.Hashes {
				var entries [][]byte
				if b := findBundle(bundles, name); b != nil {
					adapters := b.AdapterSet()
					for _, id := range ids {
						if e := ConfigModelEntry(id, docs[id], adapters); e != nil {
							entries = append(entries, e)
						}
					}
				}
				if want.Canonical != nil && joinEntries(entries) != *want.Canonical {
					t.Errorf("%s canonical:\n got %s\nwant %s", name, joinEntries(entries), *want.Canonical)
				}
				if got := listhash.Digest(entries); got != want.SHA256 {
					t.Errorf("%s: bundle_config_hash = %q, want %q", name, got, want.SHA256)
				}
			}
		})
	}
}

func TestConfigModelEntryExcluded(t *testing.T) {
	d := doc.NewMap(
		doc.Entry{Key: "sie_id", Value: "m"},
		doc.Entry{Key: "profiles", Value: doc.NewMap(
			doc.Entry{Key: "default", Value: doc.NewMap(doc.Entry{Key: "adapter_path", Value: "a.mod:X"})},
		)},
	)
	if e := ConfigModelEntry("m", d, map[string]bool{"b.mod": true}); e != nil {
		t.Errorf("entry for a model outside the bundle: %s", e)
	}
	if listhash.Digest(nil) != "" {
		t.Error("hash over nothing must be empty")
	}
}

// An adapter_options mapping whose values are all falsy in Python's sense
// hashes as null; one truthy value keeps it. Each value is written in YAML,
// as documents carry it: -0.0 there is a negative zero (a Go constant -0.0
// would be +0), and it is falsy like 0.0.
func TestConfigAdapterOptionsFalsy(t *testing.T) {
	negZero, _ := mustParse(t, "x: -0.0\n").Get("x")
	if f, ok := negZero.(float64); !ok || f != 0 || !math.Signbit(f) {
		t.Fatalf("-0.0 reads as %#v, not a negative zero", negZero)
	}
	entry := func(options string) string {
		d := mustParse(t, "sie_id: m\nprofiles:\n  default:\n    adapter_path: a.mod:X\n    adapter_options: "+options+"\n")
		return string(ConfigModelEntry("m", d, map[string]bool{"a.mod": true}))
	}
	const nulled = `{"profiles":[{"config":{"adapter_options":null,`
	falsy := []string{"null", "false", "0", "-0.0", "0.0", "''", "[]", "{}"}
	for _, v := range falsy {
		if got := entry("{k: " + v + "}"); !strings.HasPrefix(got, nulled) {
			t.Errorf("adapter_options {k: %s}: %s", v, got)
		}
	}
	if got := entry("{a: -0.0, b: false, c: [], d: {}}"); !strings.HasPrefix(got, nulled) {
		t.Errorf("all falsy together: %s", got)
	}
	for _, v := range []string{"true", "2", "0.5", "x", "[null]", "{k: null}", ".nan", "-.inf"} {
		if got := entry("{z: 0, k: " + v + "}"); strings.HasPrefix(got, nulled) {
			t.Errorf("adapter_options {k: %s} was nulled: %s", v, got)
		}
	}
}
