package catalog

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/listhash"
)

func testBundles() []*Bundle {
	return []*Bundle{
		{Name: "default", Priority: 10, Adapters: []string{"mod.a", "mod.b"}},
		{Name: "sglang", Priority: 20, Adapters: []string{"mod.s"}},
	}
}

func testDoc(id string, modules ...string) *doc.Map {
	profiles := doc.NewMap()
	for i, m := range modules {
		profiles.Set(fmt.Sprintf("p%d", i), doc.NewMap(
			doc.Entry{Key: "adapter_path", Value: m + ":Cls"},
			doc.Entry{Key: "max_batch_tokens", Value: int64(100 + i)},
		))
	}
	return doc.NewMap(doc.Entry{Key: "sie_id", Value: id}, doc.Entry{Key: "profiles", Value: profiles})
}

// expectedConfigHash recomputes a bundle's hash from scratch.
func expectedConfigHash(s *Snapshot, bundle string) string {
	b := s.Bundles().Lookup(bundle)
	var entries [][]byte
	for _, m := range s.Models() {
		if e := ConfigModelEntry(m.ID, m.Effective(), b.AdapterSet()); e != nil {
			entries = append(entries, e)
		}
	}
	return listhash.Digest(entries)
}

// The incrementally maintained per-bundle hashes always equal a full
// recomputation, whatever sequence of adds, replaces and removals.
func TestSnapshotConfigHashIncremental(t *testing.T) {
	var seeds []Seed
	for i := 0; i < 300; i++ {
		id := fmt.Sprintf("seed/%03d", i)
		seeds = append(seeds, Seed{ID: id, Doc: testDoc(id, "mod.a"), Text: "x"})
	}
	s := NewSnapshot(testBundles(), seeds, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	modules := [][]string{{"mod.a"}, {"mod.s"}, {"mod.b", "mod.s"}, {"mod.x"}}
	prev := s
	for step := 0; step < 400; step++ {
		id := fmt.Sprintf("seed/%03d", rng.IntN(400))
		if rng.IntN(4) == 0 {
			s, _ = s.WithoutAPI(id)
		} else {
			s, _ = s.WithAPI(id, testDoc(id, modules[rng.IntN(len(modules))]...), "x")
		}
		for _, b := range []string{"default", "sglang"} {
			if got, want := s.ConfigBundleHash(b), expectedConfigHash(s, b); got != want {
				t.Fatalf("step %d bundle %s: incremental %s, full %s", step, b, got, want)
			}
		}
		// Older snapshots are unaffected by later writes.
		if got, want := prev.ConfigBundleHash("default"), expectedConfigHash(prev, "default"); got != want {
			t.Fatalf("step %d: an older snapshot's hash changed", step)
		}
		prev = s
	}
	if s.ConfigBundleHash("nope") != "" {
		t.Fatal("an unknown bundle hashes to \"\"")
	}
}

func TestSnapshotLookupAndLayers(t *testing.T) {
	seeds := []Seed{{ID: "Org/M", Doc: testDoc("Org/M", "mod.a"), Text: "seed text"}}
	s := NewSnapshot(testBundles(), seeds, nil)
	s2, m := s.WithAPI("org/m", testDoc("org/m", "mod.s"), "api text")
	if m.Source() != SourceAPI || s2.Len() != 2 || s.Len() != 1 {
		t.Fatalf("WithAPI must add a separate model and leave the parent alone")
	}
	if got := s2.Find("ORG/M"); got == nil || got.ID != "Org/M" {
		t.Fatalf("case-insensitive lookup must pick the smallest id, got %v", got)
	}
	if got := s2.Find("org/m"); got.ID != "org/m" {
		t.Fatal("exact match first")
	}
	s3, m3 := s2.WithAPI("Org/M", testDoc("Org/M", "mod.s"), "api")
	if m3.Text() != "api" || !m3.HasSeed() || m3.Bundles()[0] != "sglang" {
		t.Fatalf("API layer over a seed: %+v", m3)
	}
	s4, m4 := s3.WithoutAPI("Org/M")
	if m4 == nil || m4.Text() != "seed text" || m4.Source() != SourceFilesystem {
		t.Fatal("removing the API layer reverts to the seed")
	}
	s5, m5 := s4.WithoutAPI("org/m")
	if m5 != nil || s5.Exact("org/m") != nil || s5.Find("org/m").ID != "Org/M" {
		t.Fatal("removing an API-only model deletes it")
	}
}

// countScan counts the models by source the slow way.
func countScan(s *Snapshot) (api, filesystem int) {
	for _, m := range s.Models() {
		if m.HasAPI() {
			api++
		} else {
			filesystem++
		}
	}
	return api, filesystem
}

// The per-source counts kept by each derivation equal a scan, whatever the
// sequence of derivations (including replays and bulk adds).
func TestSnapshotCountBySource(t *testing.T) {
	var seeds []Seed
	for i := 0; i < 50; i++ {
		id := fmt.Sprintf("seed/%03d", i)
		seeds = append(seeds, Seed{ID: id, Doc: testDoc(id, "mod.a"), Text: "x"})
	}
	s := NewSnapshot(testBundles(), seeds, nil)
	rng := rand.New(rand.NewPCG(7, 8))
	for step := 0; step < 500; step++ {
		id := fmt.Sprintf("seed/%03d", rng.IntN(80))
		switch rng.IntN(6) {
		case 0:
			s, _ = s.WithoutAPI(id)
		case 1:
			s = s.Without(id)
		case 2: // a change replayed from another snapshot of the registry
			_, m := s.WithAPI(id, testDoc(id, "mod.s"), "y")
			s = s.WithModel(m)
		case 3:
			s = s.WithModels([]*Model{s.APIModel(id, testDoc(id, "mod.b"), "z")})
		default:
			s, _ = s.WithAPI(id, testDoc(id, "mod.a"), "x")
		}
		if step%7 == 0 {
			s = s.Settled()
		}
		api, fs := s.CountBySource()
		wantAPI, wantFS := countScan(s)
		if api != wantAPI || fs != wantFS {
			t.Fatalf("step %d: counts %d/%d, scan %d/%d", step, api, fs, wantAPI, wantFS)
		}
	}
}
