package modelindex

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkPut measures one write to a settled index of n items in one
// bundle, hashed again as a commit does (Put or Delete, then Settled), next
// to its floor: a bare SHA-256 of the text the contract makes it re-hash,
// from the changed entry (in the middle) to the end. Entries are ~200
// bytes, about what a model's hash entry is.
func BenchmarkPut(b *testing.B) {
	pad := strings.Repeat("p", 170)
	entry := func(key string, v int) *item {
		it := newItem(key)
		it.entries["x"] = []byte(fmt.Sprintf(`{"id":%q,"v":%d,"pad":%q}`, key, v, pad))
		return it
	}
	for _, n := range []int{100, 10_000, 100_000} {
		items := make([]*item, n)
		for i := range items {
			items[i] = entry(fmt.Sprintf("org/model-%07d", i), 0)
		}
		base := New(items).Settled()
		mid := items[n/2].key
		var tail []byte // the text from the middle entry on
		for _, it := range items[n/2:] {
			tail = append(append(tail, it.entries["x"]...), ',')
		}
		b.Run(fmt.Sprintf("n=%d/replace", n), func(b *testing.B) {
			b.ReportAllocs()
			x, v := base, 0
			for b.Loop() {
				v++
				x = x.Put(entry(mid, v)).Settled()
			}
		})
		b.Run(fmt.Sprintf("n=%d/insert_delete", n), func(b *testing.B) {
			b.ReportAllocs()
			x, v, added := base, 0, mid+"a"
			for b.Loop() {
				v++
				if v%2 == 1 {
					x = x.Put(entry(added, v)).Settled()
				} else {
					x = x.Delete(added).Settled()
				}
			}
		})
		b.Run(fmt.Sprintf("n=%d/floor_sha256_of_rehashed_text", n), func(b *testing.B) {
			b.SetBytes(int64(len(tail)))
			for b.Loop() {
				sha256.Sum256(tail)
			}
		})
	}
}
