package listhash

import (
	"hash"
	"sync"
)

// batchSize is how much text a batcher gathers before hashing it: entries
// are a few hundred bytes, and a hasher call each (plus one per separator)
// costs about a third as much as hashing the bytes themselves.
const batchSize = 16 << 10

var batchPool = sync.Pool{New: func() any { b := make([]byte, 0, batchSize); return &b }}

// batcher gathers small writes into one buffer and hashes it in one call.
// The hasher's state is only complete after flush.
type batcher struct {
	h   hash.Hash
	buf *[]byte
}

func newBatcher(h hash.Hash) batcher {
	buf := batchPool.Get().(*[]byte)
	*buf = (*buf)[:0]
	return batcher{h: h, buf: buf}
}

func (w batcher) write(p []byte) {
	b := *w.buf
	if len(b)+len(p) > cap(b) {
		w.flush()
		if len(p) >= cap(b) {
			w.h.Write(p)
			return
		}
		b = (*w.buf)[:0]
	}
	*w.buf = append(b, p...)
}

func (w batcher) flush() {
	if len(*w.buf) > 0 {
		w.h.Write(*w.buf)
		*w.buf = (*w.buf)[:0]
	}
}

func (w batcher) release() { batchPool.Put(w.buf) }
