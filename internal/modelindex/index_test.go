package modelindex

import (
	"fmt"
	"iter"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/sieproject/sie/internal/listhash"
)

type item struct {
	key     string
	entries map[string][]byte
}

func (it *item) Key() string { return it.key }

func (it *item) HashEntries() iter.Seq2[string, []byte] { return maps.All(it.entries) }

func newItem(key string, bundles ...string) *item {
	it := &item{key: key, entries: map[string][]byte{}}
	for _, b := range bundles {
		it.entries[b] = []byte(fmt.Sprintf(`{"b":%q,"id":%q}`, b, key))
	}
	return it
}

// fromScratch is what a bundle's digest must be: the entries of every
// item hashed there, in key order.
func fromScratch(items []*item, bundle string) string {
	var entries [][]byte
	for _, it := range items {
		if e, ok := it.entries[bundle]; ok {
			entries = append(entries, e)
		}
	}
	return listhash.Digest(entries)
}

func keys(x *Index[*item]) []string {
	var out []string
	for _, it := range x.All() {
		out = append(out, it.Key())
	}
	return out
}

func TestLookup(t *testing.T) {
	x := New([]*item{newItem("b"), newItem("Org/M"), newItem("org/m"), newItem("ORG/x"), newItem("a")})
	if got := keys(x); !slices.Equal(got, []string{"ORG/x", "Org/M", "a", "b", "org/m"}) {
		t.Fatalf("order %v", got)
	}
	cases := []struct{ find, want string }{
		{"org/m", "org/m"}, {"Org/M", "Org/M"}, {"ORG/M", "Org/M"}, {"org/X", "ORG/x"}, {"c", ""},
	}
	for _, c := range cases {
		got := ""
		if it := x.Find(c.find); it != nil {
			got = it.Key()
		}
		if got != c.want {
			t.Errorf("Find(%q) = %q, want %q", c.find, got, c.want)
		}
	}
	if x.Exact("ORG/M") != nil || x.Exact("a") == nil {
		t.Error("Exact must not fold case")
	}
}

func TestNewLaterDuplicateWins(t *testing.T) {
	first, second := newItem("a", "b1"), newItem("a", "b2")
	x := New([]*item{first, newItem("z"), second})
	if x.Len() != 2 || x.Exact("a") != second {
		t.Fatalf("len %d, a = %p, want the later %p", x.Len(), x.Exact("a"), second)
	}
	if x.Hash("b1") != "" || x.Hash("b2") != fromScratch([]*item{second}, "b2") {
		t.Error("the earlier duplicate's entries survived")
	}
}

// Put and Delete leave the receiver as it was, and every digest, pending
// or settled, equals a recomputation from scratch.
func TestChangesAreImmutableAndHashed(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	bundles := []string{"x", "y", "z"}
	x := New[*item](nil)
	ref := map[string]*item{}
	for step := 0; step < 500; step++ {
		before, beforeKeys := x, keys(x)
		beforeHash := x.Hash("x")
		key := fmt.Sprintf("m%03d", rng.IntN(120))
		if rng.IntN(4) == 0 {
			x = x.Delete(key)
			delete(ref, key)
		} else {
			var bs []string
			for _, b := range bundles {
				if rng.IntN(2) == 0 {
					bs = append(bs, b)
				}
			}
			it := newItem(key, bs...)
			it.entries["x"] = append(it.entries["x"], []byte(fmt.Sprintf(`{"step":%d}`, step))...)
			x = x.Put(it)
			ref[key] = it
		}
		if !slices.Equal(keys(before), beforeKeys) || before.Hash("x") != beforeHash {
			t.Fatalf("step %d: the previous index changed", step)
		}
		want := slices.Collect(maps.Values(ref))
		sort.Slice(want, func(i, j int) bool { return want[i].key < want[j].key })
		if x.Len() != len(want) {
			t.Fatalf("step %d: %d items, want %d", step, x.Len(), len(want))
		}
		if step%2 == 0 {
			x = x.Settled()
			if x.Pending() {
				t.Fatalf("step %d: settled index still pending", step)
			}
		}
		for _, b := range bundles {
			if got, w := x.Hash(b), fromScratch(want, b); got != w {
				t.Fatalf("step %d bundle %s: %s, from scratch %s", step, b, got, w)
			}
		}
	}
}

func TestPutAllEqualsPuts(t *testing.T) {
	base := New([]*item{newItem("a", "x"), newItem("c", "x", "y")})
	add := []*item{newItem("b", "y"), newItem("a", "y"), newItem("d", "x")}
	bulk := base.PutAll(add)
	one := base
	for _, it := range add {
		one = one.Put(it)
	}
	if !slices.Equal(keys(bulk), keys(one)) {
		t.Fatalf("keys %v vs %v", keys(bulk), keys(one))
	}
	for _, b := range []string{"x", "y"} {
		if bulk.Hash(b) != one.Settled().Hash(b) {
			t.Errorf("bundle %s differs", b)
		}
	}
	if base.Len() != 2 {
		t.Error("PutAll changed the receiver")
	}
}

// Readers may hash a published index while the writer settles it: nothing
// they share is written (run with -race).
func TestSettleWhileReading(t *testing.T) {
	var items []*item
	for i := 0; i < 3000; i++ {
		it := newItem(fmt.Sprintf("m%05d", i), "x")
		it.entries["x"] = append(it.entries["x"], make([]byte, 40)...)
		items = append(items, it)
	}
	x := New(items).Settled().Put(newItem("m01500", "x"))
	want := x.Hash("x")
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if x.Hash("x") != want || x.Find("M01500") == nil {
				t.Error("reader saw another index")
			}
		}()
	}
	settled := x.Settled()
	wg.Wait()
	if settled.Hash("x") != want || !x.Pending() {
		t.Error("settling changed the published index")
	}
}
