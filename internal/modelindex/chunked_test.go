package modelindex

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// reference is the plain model of an Index: a map by key.
type reference map[string]*item

func (r reference) sorted() []*item {
	out := slices.Collect(maps.Values(r))
	slices.SortFunc(out, func(a, b *item) int { return strings.Compare(a.key, b.key) })
	return out
}

// find is the read lookup rule spelled out: exact, else the smallest key
// equal under case folding.
func (r reference) find(key string) *item {
	if it, ok := r[key]; ok {
		return it
	}
	var best *item
	for k, it := range r {
		if strings.EqualFold(k, key) && (best == nil || k < best.key) {
			best = it
		}
	}
	return best
}

// checkIndex compares x with the reference: order, positions, lookups of
// probes, and each bundle's digest against listhash.Digest over the list.
func checkIndex(t *testing.T, x *Index[*item], ref reference, bundles []string, probes []string) {
	t.Helper()
	want := ref.sorted()
	if x.Len() != len(want) {
		t.Fatalf("%d items, want %d", x.Len(), len(want))
	}
	for i, it := range x.All() {
		if want[i] != it || x.At(i) != it {
			t.Fatalf("position %d holds %q, want %q", i, it.key, want[i].key)
		}
	}
	for _, p := range probes {
		if got, w := x.Find(p), ref.find(p); got != w {
			t.Fatalf("Find(%q) = %v, want %v", p, got, w)
		}
		if got, w := x.Exact(p), ref[p]; got != w {
			t.Fatalf("Exact(%q) = %v, want %v", p, got, w)
		}
	}
	for _, b := range bundles {
		if got, w := x.Hash(b), fromScratch(want, b); got != w {
			t.Fatalf("bundle %s: %s, from scratch %s", b, got, w)
		}
	}
}

// randomKey draws from few enough names that keys repeat, in mixed case so
// that case-folded lookups have several candidates.
func randomKey(rng *rand.Rand, names int) string {
	k := []byte(fmt.Sprintf("org/m%04d", rng.IntN(names)))
	for i := range k {
		if rng.IntN(8) == 0 {
			k[i] = strings.ToUpper(string(k[i]))[0]
		}
	}
	return string(k)
}

// Over thousands of items (many chunks, many saved hash states), random
// puts and deletes agree with the reference, and settling in between (so
// that later digests resume from saved states) changes no digest.
func TestChunkedAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	bundles := []string{"x", "y"}
	var initial []*item
	ref := reference{}
	for range 2500 {
		it := newItem(randomKey(rng, 3000), bundles[:1+rng.IntN(2)]...)
		it.entries["x"] = append(it.entries["x"], strings.Repeat("p", 100)...) // ~100 KB per bundle: several marks
		initial = append(initial, it)
		ref[it.key] = it
	}
	x := New(initial).Settled()
	var probes []string
	for range 40 {
		probes = append(probes, randomKey(rng, 3000))
	}
	checkIndex(t, x, ref, bundles, probes)
	prev, prevRef := x, maps.Clone(ref)
	for step := range 1200 {
		key := randomKey(rng, 3000)
		if step > 800 || rng.IntN(3) == 0 {
			if rng.IntN(2) == 0 && len(ref) > 0 { // delete an existing key
				key = x.At(rng.IntN(x.Len())).key
			}
			x = x.Delete(key)
			delete(ref, key)
		} else {
			it := newItem(key, bundles[rng.IntN(2):]...)
			x = x.Put(it)
			ref[key] = it
		}
		if step%3 == 0 {
			x = x.Settled()
		}
		if step%50 == 0 {
			checkIndex(t, x, ref, bundles, append(probes, key))
			checkIndex(t, prev, prevRef, bundles, probes) // older indexes are unchanged
			prev, prevRef = x, maps.Clone(ref)
		}
	}
	checkIndex(t, x, ref, bundles, probes)
}

// FuzzOps applies an arbitrary sequence of puts and deletes (2 bytes each:
// the key, and the kind with the bundles) and checks the result against
// the reference.
func FuzzOps(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 1, 0, 200, 7})
	f.Add(slices.Repeat([]byte{9, 2, 77, 6, 250, 1}, 300))
	bundles := []string{"x", "y"}
	f.Fuzz(func(t *testing.T, ops []byte) {
		x := New[*item](nil)
		ref := reference{}
		var probes []string
		for ; len(ops) >= 2; ops = ops[2:] {
			key := fmt.Sprintf("k%02x", ops[0])
			if ops[0]%5 == 0 {
				key = strings.ToUpper(key)
			}
			probes = append(probes, key)
			switch ops[1] % 4 {
			case 0:
				x = x.Delete(key)
				delete(ref, key)
			case 1:
				x = x.Settled()
			default:
				it := newItem(key, bundles[ops[1]%2:]...)
				it.entries["y"] = append(it.entries["y"], ops[1])
				x = x.Put(it)
				ref[key] = it
			}
		}
		checkIndex(t, x, ref, bundles, probes)
	})
}
