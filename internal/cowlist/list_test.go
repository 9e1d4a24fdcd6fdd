package cowlist

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// check compares l with the reference slice and verifies the chunk
// invariants: no empty or oversized chunk, and ends counting them.
func check(t *testing.T, l List[int], want []int) {
	t.Helper()
	if l.Len() != len(want) {
		t.Fatalf("Len %d, want %d", l.Len(), len(want))
	}
	if got := l.AppendTo(nil); !slices.Equal(got, want) {
		t.Fatalf("elements differ:\n got %v\nwant %v", got, want)
	}
	total := 0
	for c, ch := range l.chunks {
		if len(ch) == 0 || len(ch) > maxChunk {
			t.Fatalf("chunk %d has %d elements", c, len(ch))
		}
		total += len(ch)
		if l.ends[c] != total {
			t.Fatalf("ends[%d] = %d, want %d", c, l.ends[c], total)
		}
	}
	if len(l.ends) != len(l.chunks) {
		t.Fatalf("%d ends for %d chunks", len(l.ends), len(l.chunks))
	}
}

// apply runs one operation on both the list and the reference.
func apply(l List[int], ref []int, op, pos, val int) (List[int], []int) {
	switch {
	case op%3 == 0 && len(ref) > 0:
		i := pos % len(ref)
		return l.Delete(i), slices.Delete(slices.Clone(ref), i, i+1)
	case op%3 == 1 && len(ref) > 0:
		i := pos % len(ref)
		r := slices.Clone(ref)
		r[i] = val
		return l.Replace(i, val), r
	default:
		i := pos % (len(ref) + 1)
		return l.Insert(i, val), slices.Insert(slices.Clone(ref), i, val)
	}
}

// TestRandomOps checks every version against a plain slice, including
// that older versions are unchanged by later operations.
func TestRandomOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	type version struct {
		l   List[int]
		ref []int
	}
	l, ref := Of(make([]int, 0)), []int(nil)
	var kept []version
	for step := 0; step < 6000; step++ {
		op := rng.IntN(5) // inserts twice as likely: the list grows past several chunks
		if step > 4000 {
			op = 0 // then shrink, merging chunks
		}
		l, ref = apply(l, ref, op, rng.IntN(1<<20), step)
		if step%97 == 0 {
			check(t, l, ref)
			kept = append(kept, version{l, ref})
		}
	}
	for _, v := range kept {
		check(t, v.l, v.ref)
	}
}

func TestOfAndReads(t *testing.T) {
	for _, n := range []int{0, 1, maxChunk / 2, maxChunk, 3*maxChunk + 7} {
		src := make([]int, n)
		for i := range src {
			src[i] = 2 * i
		}
		l := Of(src)
		check(t, l, src)
		for i := 0; i < n; i += 13 {
			if l.At(i) != src[i] {
				t.Fatalf("n=%d At(%d) = %d", n, i, l.At(i))
			}
		}
		for _, x := range []int{-1, 0, 1, 2*n - 2, 2*n - 1, 2 * n, n} {
			want := sort.SearchInts(src, x)
			if got := l.Search(func(e int) bool { return e >= x }); got != want {
				t.Fatalf("n=%d Search(>=%d) = %d, want %d", n, x, got, want)
			}
		}
		for _, from := range []int{0, 1, n / 2, n - 1, n} {
			var idx, got []int
			for i, e := range l.From(from) {
				idx, got = append(idx, i), append(got, e)
			}
			if from < 0 || from >= n {
				if len(got) != 0 {
					t.Fatalf("n=%d From(%d) yields %d elements", n, from, len(got))
				}
				continue
			}
			if !slices.Equal(got, src[from:]) || (len(idx) > 0 && idx[0] != from) || idx[len(idx)-1] != n-1 {
				t.Fatalf("n=%d From(%d) wrong", n, from)
			}
		}
		if got := slices.Collect(l.Values()); !slices.Equal(got, src) && n > 0 {
			t.Fatalf("n=%d Values wrong", n)
		}
	}
}

func TestEarlyStop(t *testing.T) {
	l := Of(make([]int, 3*maxChunk))
	seen := 0
	for range l.All() {
		seen++
		if seen == maxChunk+1 {
			break
		}
	}
	for range l.Values() {
		seen++
		break
	}
	if seen != maxChunk+2 {
		t.Fatalf("iterators did not stop: %d", seen)
	}
}

// FuzzOps runs an arbitrary sequence of operations (3 bytes each: kind,
// position, value) against the slice reference.
func FuzzOps(f *testing.F) {
	f.Add([]byte{2, 0, 1, 2, 0, 2, 0, 0, 0, 1, 0, 9})
	grow := make([]byte, 0, 3*(maxChunk*3))
	for i := range maxChunk * 3 { // past two splits, then deletes that merge
		kind := byte(2)
		if i > maxChunk*2 {
			kind = 0
		}
		grow = append(grow, kind, byte(i*7), byte(i))
	}
	f.Add(grow)
	f.Fuzz(func(t *testing.T, ops []byte) {
		var l List[int]
		var ref []int
		for len(ops) >= 3 {
			op := int(ops[0])
			pos := int(binary.BigEndian.Uint16(ops[1:3]))
			l, ref = apply(l, ref, op, pos, len(ops))
			ops = ops[3:]
		}
		check(t, l, ref)
	})
}
