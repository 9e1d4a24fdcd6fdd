// Package modelindex is the immutable model index that sie-config's
// registry snapshot and the gateway's mirror share: the models sorted by id,
// the case-insensitive read lookup, and each bundle's hash entries with
// their digest.
//
// An Index never changes once built: Put and Delete return a new one that
// shares what they did not touch, so readers use an Index without locks.
// The lists are chunked (package cowlist), so a change copies a chunk and
// the chunk list, O(chunk + n/chunk), never the whole registry.
// The digests are kept apart from the models: Put and Delete leave the
// touched bundles' digests pending (Hash still answers, computing without
// caching), and Settled computes them into a new Index. A writer can thus
// publish a change before hashing it, and hash it while doing something
// else.
package modelindex

import (
	"iter"
	"sort"
	"strings"

	"github.com/sieproject/sie/internal/cowlist"
)

// Item is what an Index holds: an immutable model.
type Item interface {
	// Key is the model's exact id.
	Key() string
	// HashEntries yields each bundle the model is hashed in, with its
	// canonical entry there. The entry bytes must not change afterwards.
	HashEntries() iter.Seq2[string, []byte]
}

// Index is an immutable set of items sorted by key (code-point order), with
// a case-insensitive lookup and each bundle's hash entries.
type Index[T Item] struct {
	items  cowlist.List[T]
	folded cowlist.List[foldKey] // sorted by (lower, key)
	hashes hashes
}

type foldKey struct{ lower, key string }

func foldLess(a, b foldKey) bool {
	if a.lower != b.lower {
		return a.lower < b.lower
	}
	return a.key < b.key
}

// New indexes items in O(n log n); of two items with one key, the later
// wins. Every bundle's digest is pending.
func New[T Item](items []T) *Index[T] {
	byKey := make(map[string]int, len(items))
	sorted := make([]T, 0, len(items))
	for _, it := range items {
		if i, ok := byKey[it.Key()]; ok {
			sorted[i] = it
			continue
		}
		byKey[it.Key()] = len(sorted)
		sorted = append(sorted, it)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Key() < sorted[j].Key() })
	folded := make([]foldKey, len(sorted))
	for i, it := range sorted {
		folded[i] = foldKey{strings.ToLower(it.Key()), it.Key()}
	}
	sort.Slice(folded, func(i, j int) bool { return foldLess(folded[i], folded[j]) })
	return &Index[T]{items: cowlist.Of(sorted), folded: cowlist.Of(folded), hashes: buildHashes(sorted)}
}

// PutAll returns an index holding the receiver's items and items, in
// O((n+m) log(n+m)): the bulk form of Put (a restore adds every stored
// document at once). Of two items with one key, the later wins.
func (x *Index[T]) PutAll(items []T) *Index[T] {
	all := x.items.AppendTo(make([]T, 0, x.items.Len()+len(items)))
	return New(append(all, items...))
}

// Len is the number of items.
func (x *Index[T]) Len() int { return x.items.Len() }

// All yields each item's position and the item, in key order, as
// slices.All does for a slice (so "for _, it := range x.All()" reads the
// same); it copies nothing.
func (x *Index[T]) All() iter.Seq2[int, T] { return x.items.All() }

// At returns the item at position i in key order; it panics unless
// 0 <= i < Len.
func (x *Index[T]) At(i int) T { return x.items.At(i) }

func (x *Index[T]) search(key string) (int, bool) {
	i := x.items.Search(func(it T) bool { return it.Key() >= key })
	return i, i < x.items.Len() && x.items.At(i).Key() == key
}

func (x *Index[T]) searchFolded(k foldKey) int {
	return x.folded.Search(func(f foldKey) bool { return !foldLess(f, k) })
}

// Exact returns the item with exactly this key, or the zero T (nil for
// pointer items).
func (x *Index[T]) Exact(key string) T {
	if i, ok := x.search(key); ok {
		return x.items.At(i)
	}
	var zero T
	return zero
}

// Find is the read lookup: the exact key, else the smallest key (in
// code-point order) equal to it under case folding, else the zero T.
func (x *Index[T]) Find(key string) T {
	if i, ok := x.search(key); ok {
		return x.items.At(i)
	}
	lower := strings.ToLower(key)
	i := x.folded.Search(func(f foldKey) bool { return f.lower >= lower })
	if i < x.folded.Len() {
		if f := x.folded.At(i); f.lower == lower {
			return x.Exact(f.key)
		}
	}
	var zero T
	return zero
}

// Put returns an index in which it replaces the item of its key, or is
// added. It copies O(chunk + n/chunk) of the lists, not all of them. The
// touched bundles' digests are pending.
func (x *Index[T]) Put(it T) *Index[T] {
	key := it.Key()
	i, found := x.search(key)
	c := &Index[T]{folded: x.folded}
	var old iter.Seq2[string, []byte]
	if found {
		old = x.items.At(i).HashEntries()
		c.items = x.items.Replace(i, it)
	} else {
		c.items = x.items.Insert(i, it)
		k := foldKey{strings.ToLower(key), key}
		c.folded = x.folded.Insert(x.searchFolded(k), k)
	}
	c.hashes = x.hashes.replace(key, old, it.HashEntries())
	return c
}

// Delete returns an index without the item of exactly this key (the
// receiver itself when there is none).
func (x *Index[T]) Delete(key string) *Index[T] {
	i, found := x.search(key)
	if !found {
		return x
	}
	c := &Index[T]{items: x.items.Delete(i)}
	c.folded = x.folded.Delete(x.searchFolded(foldKey{strings.ToLower(key), key}))
	c.hashes = x.hashes.replace(key, x.items.At(i).HashEntries(), nil)
	return c
}

// Hash is the digest of bundle's entries in key order ("" when it has
// none). A pending digest is computed on each call, without caching: call
// Settled once to keep it.
func (x *Index[T]) Hash(bundle string) string { return x.hashes.digest(bundle) }

// Pending reports whether any bundle's digest is still to be computed.
func (x *Index[T]) Pending() bool { return x.hashes.pending() }

// Settled returns the index with every pending digest computed (the
// receiver itself when none is pending).
func (x *Index[T]) Settled() *Index[T] {
	if !x.hashes.pending() {
		return x
	}
	c := *x
	c.hashes = x.hashes.settled()
	return &c
}
