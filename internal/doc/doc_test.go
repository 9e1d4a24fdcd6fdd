package doc

import (
	"strconv"
	"testing"
)

// The index must agree with the linear search through every mutation.
func TestMapIndexFollowsMutations(t *testing.T) {
	m := NewMap()
	for i := range 40 {
		m.Set("k"+strconv.Itoa(i), int64(i))
	}
	if m.index == nil {
		t.Fatal("a 40-key map has no index")
	}
	m.Set("k3", "replaced")
	m.Delete("k0")
	m.Prepend("first", true)
	c := m.Clone()
	for _, mm := range []*Map{m, c} {
		if mm.Len() != 40 || mm.Keys()[0] != "first" {
			t.Fatalf("len %d keys %v", mm.Len(), mm.Keys()[:3])
		}
		for i, e := range mm.Entries() {
			if got := mm.find(e.Key); got != i {
				t.Fatalf("find(%q) = %d, want %d", e.Key, got, i)
			}
		}
		if v, _ := mm.Get("k3"); v != "replaced" {
			t.Fatalf("k3 = %v", v)
		}
		if mm.Has("k0") || !mm.Has("k39") {
			t.Fatal("Has")
		}
	}
	for m.Len() > 3 {
		m.Delete(m.Keys()[0])
	}
	if m.index != nil || !m.Has("k39") {
		t.Fatal("a small map keeps no index but still finds its keys")
	}
}

// A duplicate key passed to NewMap resolves to the first, as a linear search would.
func TestMapIndexFirstDuplicateWins(t *testing.T) {
	entries := []Entry{{Key: "dup", Value: int64(1)}}
	for i := range 20 {
		entries = append(entries, Entry{Key: strconv.Itoa(i), Value: nil})
	}
	entries = append(entries, Entry{Key: "dup", Value: int64(2)})
	if v, _ := NewMap(entries...).Get("dup"); v != int64(1) {
		t.Fatalf("dup = %v", v)
	}
}

func bigMap(n int) *Map {
	m := NewMap()
	for i := range n {
		m.Set("k"+strconv.Itoa(i), int64(i))
	}
	return m
}

// BenchmarkEqual80k compares two 80,000-key documents: linear with the
// index (it was quadratic, about 10 s, before).
func BenchmarkEqual80k(b *testing.B) {
	x, y := bigMap(80000), bigMap(80000)
	for b.Loop() {
		if !Equal(x, y) {
			b.Fatal("not equal")
		}
	}
}
