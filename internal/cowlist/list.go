// Package cowlist provides List, an immutable list stored in chunks, whose
// changes copy one chunk and the list of chunks (O(chunk + n/chunk)) and
// share everything else with the list they were derived from.
package cowlist

import (
	"iter"
	"sort"
)

// maxChunk bounds a chunk: an insert that grows one past it splits it in
// two. At 100,000 elements a change then copies a few hundred elements and
// a few hundred chunk headers (kilobytes) where a flat slice copies all.
const maxChunk = 512

// minChunk is the size under which a delete merges a chunk into its
// neighbour, so that deletes cannot leave many tiny chunks behind.
const minChunk = maxChunk / 4

// List is an immutable sequence. The zero List is empty. Insert, Replace
// and Delete return a new List and leave the receiver unchanged; Lists are
// safe to read concurrently.
type List[E any] struct {
	chunks [][]E // none empty; never modified once built
	ends   []int // ends[c] is the number of elements in chunks[:c+1]
}

// Of returns a list of the elements of s, in order (s is copied).
func Of[E any](s []E) List[E] {
	var l List[E]
	const fill = maxChunk / 2 // room for inserts before a chunk splits
	for start := 0; start < len(s); start += fill {
		end := min(start+fill, len(s))
		l.chunks = append(l.chunks, append([]E(nil), s[start:end]...))
		l.ends = append(l.ends, end)
	}
	return l
}

// Len is the number of elements.
func (l List[E]) Len() int {
	if len(l.ends) == 0 {
		return 0
	}
	return l.ends[len(l.ends)-1]
}

// locate returns the chunk holding index i (0 <= i < Len) and i's offset
// in it.
func (l List[E]) locate(i int) (c, off int) {
	c = sort.Search(len(l.ends), func(c int) bool { return l.ends[c] > i })
	return c, i - l.start(c)
}

func (l List[E]) start(c int) int {
	if c == 0 {
		return 0
	}
	return l.ends[c-1]
}

// At returns the element at index i; it panics unless 0 <= i < Len.
func (l List[E]) At(i int) E {
	if i < 0 || i >= l.Len() {
		panic("cowlist: index out of range")
	}
	c, off := l.locate(i)
	return l.chunks[c][off]
}

// Search returns the smallest index i at which f is true, or Len when
// there is none, assuming f is false and then true along the list (as
// sort.Search does), in O(log n).
func (l List[E]) Search(f func(E) bool) int {
	c := sort.Search(len(l.chunks), func(c int) bool {
		ch := l.chunks[c]
		return f(ch[len(ch)-1])
	})
	if c == len(l.chunks) {
		return l.Len()
	}
	ch := l.chunks[c]
	return l.start(c) + sort.Search(len(ch), func(j int) bool { return f(ch[j]) })
}

// All yields the index and element of each element in order, as
// slices.All does for a slice.
func (l List[E]) All() iter.Seq2[int, E] { return l.From(0) }

// From yields the index and element of each element from index i on.
func (l List[E]) From(i int) iter.Seq2[int, E] {
	return func(yield func(int, E) bool) {
		if i < 0 {
			i = 0
		}
		if i >= l.Len() {
			return
		}
		c, off := l.locate(i)
		for ; c < len(l.chunks); c, off = c+1, 0 {
			for _, e := range l.chunks[c][off:] {
				if !yield(i, e) {
					return
				}
				i++
			}
		}
	}
}

// Values yields the elements in order.
func (l List[E]) Values() iter.Seq[E] {
	return func(yield func(E) bool) {
		for _, ch := range l.chunks {
			for _, e := range ch {
				if !yield(e) {
					return
				}
			}
		}
	}
}

// AppendTo appends the elements in order to dst and returns it.
func (l List[E]) AppendTo(dst []E) []E {
	for _, ch := range l.chunks {
		dst = append(dst, ch...)
	}
	return dst
}

// Replace returns the list with the element at index i replaced by e; it
// panics unless 0 <= i < Len.
func (l List[E]) Replace(i int, e E) List[E] {
	if i < 0 || i >= l.Len() {
		panic("cowlist: index out of range")
	}
	c, off := l.locate(i)
	ch := append([]E(nil), l.chunks[c]...)
	ch[off] = e
	chunks := append([][]E(nil), l.chunks...)
	chunks[c] = ch
	return List[E]{chunks: chunks, ends: l.ends} // the counts are unchanged
}

// Insert returns the list with e inserted before index i (at the end when
// i == Len); it panics unless 0 <= i <= Len.
func (l List[E]) Insert(i int, e E) List[E] {
	n := l.Len()
	if i < 0 || i > n {
		panic("cowlist: index out of range")
	}
	if n == 0 {
		return List[E]{chunks: [][]E{{e}}, ends: []int{1}}
	}
	var c, off int
	if i == n {
		c = len(l.chunks) - 1
		off = len(l.chunks[c])
	} else {
		c, off = l.locate(i)
	}
	old := l.chunks[c]
	ch := make([]E, len(old)+1)
	copy(ch, old[:off])
	ch[off] = e
	copy(ch[off+1:], old[off:])
	if len(ch) <= maxChunk {
		return l.splice(c, 1, ch)
	}
	half := len(ch) / 2
	return l.splice(c, 1, ch[:half:half], ch[half:])
}

// Delete returns the list without the element at index i; it panics
// unless 0 <= i < Len.
func (l List[E]) Delete(i int) List[E] {
	if i < 0 || i >= l.Len() {
		panic("cowlist: index out of range")
	}
	c, off := l.locate(i)
	old := l.chunks[c]
	if len(old) == 1 {
		return l.splice(c, 1)
	}
	ch := make([]E, 0, len(old)-1)
	ch = append(append(ch, old[:off]...), old[off+1:]...)
	if len(ch) >= minChunk || len(l.chunks) == 1 {
		return l.splice(c, 1, ch)
	}
	// Merge the small chunk with a neighbour, splitting the result evenly
	// when it is too large for one.
	first, left, right := c, ch, l.chunks[min(c+1, len(l.chunks)-1)]
	if c+1 == len(l.chunks) {
		first, left, right = c-1, l.chunks[c-1], ch
	}
	merged := make([]E, 0, len(left)+len(right))
	merged = append(append(merged, left...), right...)
	if len(merged) <= maxChunk {
		return l.splice(first, 2, merged)
	}
	half := len(merged) / 2
	return l.splice(first, 2, merged[:half:half], merged[half:])
}

// splice returns the list with chunks [c, c+drop) replaced by add, copying
// the chunk list and recounting the ends from c on.
func (l List[E]) splice(c, drop int, add ...[]E) List[E] {
	chunks := make([][]E, 0, len(l.chunks)-drop+len(add))
	chunks = append(append(append(chunks, l.chunks[:c]...), add...), l.chunks[c+drop:]...)
	ends := make([]int, len(chunks))
	copy(ends, l.ends[:c])
	total := l.start(c)
	for j := c; j < len(chunks); j++ {
		total += len(chunks[j])
		ends[j] = total
	}
	return List[E]{chunks: chunks, ends: ends}
}
