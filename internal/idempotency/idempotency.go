// Package idempotency remembers the responses of keyed writes so a retried
// request replays the first outcome instead of executing twice.
package idempotency

import (
	"container/list"
	"context"
	"crypto/sha256"
	"sync"
)

// MaxKeyBytes is the longest Idempotency-Key accepted; with the cache's
// capacity it bounds the cache's memory.
const MaxKeyBytes = 255

// Fingerprint identifies a request: method, path and exact body bytes.
type Fingerprint [32]byte

// FingerprintOf hashes METHOD + " " + path + "\n" + body.
func FingerprintOf(method, path string, body []byte) Fingerprint {
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	h.Write(body)
	var fp Fingerprint
	copy(fp[:], h.Sum(nil))
	return fp
}

// Kind says what the caller must do with a request.
type Kind int

const (
	// Execute: run the request, then call Ticket.Complete.
	Execute Kind = iota
	// Replay: answer with the cached Status and Body verbatim.
	Replay
	// Mismatch: the key was used with a different payload (422).
	Mismatch
	// Evicted: the owner succeeded but its response is no longer cached.
	Evicted
)

// Decision is the outcome of Acquire.
type Decision struct {
	Kind   Kind
	Status int
	Body   []byte
	Ticket *Ticket // set for Execute
}

type entry struct {
	key    string
	status int
	body   []byte
	fp     Fingerprint
}

type flight struct {
	done      chan struct{}
	succeeded bool
	waiters   int // observability for tests; guarded by Cache.mu
}

// Cache is an LRU of successful responses plus the in-flight markers.
// One mutex guards both; it is never held while a request executes.
type Cache struct {
	mu       sync.Mutex
	capacity int
	order    *list.List // front = most recently used
	entries  map[string]*list.Element
	inflight map[string]*flight
}

// New returns a cache holding at most capacity responses.
func New(capacity int) *Cache {
	return &Cache{capacity: capacity, order: list.New(), entries: map[string]*list.Element{}, inflight: map[string]*flight{}}
}

// Acquire decides how to handle a request carrying key. It waits while
// another request with the same key is executing; if that owner failed,
// this request becomes the owner and executes (it never reports a success
// that did not happen). It returns ctx.Err() if the client goes away.
func (c *Cache) Acquire(ctx context.Context, key string, fp Fingerprint) (Decision, error) {
	waitedForSuccess := false
	for {
		c.mu.Lock()
		if el, ok := c.entries[key]; ok {
			c.order.MoveToFront(el)
			e := el.Value.(*entry)
			c.mu.Unlock()
			if e.fp != fp {
				return Decision{Kind: Mismatch}, nil
			}
			return Decision{Kind: Replay, Status: e.status, Body: e.body}, nil
		}
		if waitedForSuccess {
			c.mu.Unlock()
			return Decision{Kind: Evicted}, nil
		}
		f, busy := c.inflight[key]
		if !busy {
			f = &flight{done: make(chan struct{})}
			c.inflight[key] = f
			c.mu.Unlock()
			return Decision{Kind: Execute, Ticket: &Ticket{cache: c, key: key, fp: fp, flight: f}}, nil
		}
		f.waiters++
		c.mu.Unlock()
		select {
		case <-f.done:
			waitedForSuccess = f.succeeded
		case <-ctx.Done():
			return Decision{}, ctx.Err()
		}
	}
}

// Waiters reports how many requests have blocked on key's current
// in-flight owner (0 when none is in flight); tests use it to order
// concurrent duplicates deterministically.
func (c *Cache) Waiters(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f, ok := c.inflight[key]; ok {
		return f.waiters
	}
	return 0
}

// Ticket is the ownership of one in-flight key.
type Ticket struct {
	cache  *Cache
	key    string
	fp     Fingerprint
	flight *flight
	once   sync.Once
}

// Complete records the outcome: 200 and 201 are cached; anything else
// releases the key so a waiter re-executes. Safe to call more than once;
// only the first call counts.
func (t *Ticket) Complete(status int, body []byte) {
	t.once.Do(func() {
		c := t.cache
		ok := status == 200 || status == 201
		c.mu.Lock()
		if ok {
			c.store(&entry{key: t.key, status: status, body: body, fp: t.fp})
		}
		delete(c.inflight, t.key)
		t.flight.succeeded = ok
		c.mu.Unlock()
		close(t.flight.done)
	})
}

func (c *Cache) store(e *entry) {
	if el, ok := c.entries[e.key]; ok {
		el.Value = e
		c.order.MoveToFront(el)
		return
	}
	c.entries[e.key] = c.order.PushFront(e)
	for c.order.Len() > c.capacity {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.entries, oldest.Value.(*entry).key)
	}
}
