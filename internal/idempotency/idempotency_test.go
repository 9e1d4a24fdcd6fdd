package idempotency

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

func TestReplayAndMismatch(t *testing.T) {
	c := New(10)
	ctx := context.Background()
	fp := FingerprintOf("POST", "/v1/configs/models", []byte("a"))
	d, _ := c.Acquire(ctx, "k", fp)
	if d.Kind != Execute {
		t.Fatalf("first request: got %v", d.Kind)
	}
	d.Ticket.Complete(201, []byte(`{"x":1}`))
	d, _ = c.Acquire(ctx, "k", fp)
	if d.Kind != Replay || d.Status != 201 || string(d.Body) != `{"x":1}` {
		t.Fatalf("replay: %+v", d)
	}
	d, _ = c.Acquire(ctx, "k", FingerprintOf("POST", "/v1/configs/models", []byte("b")))
	if d.Kind != Mismatch {
		t.Fatalf("mismatch: %+v", d)
	}
	if FingerprintOf("PUT", "/v1/configs/models", []byte("a")) == fp {
		t.Fatal("method must be part of the fingerprint")
	}
}

func TestErrorsAreNotCached(t *testing.T) {
	c := New(10)
	fp := FingerprintOf("POST", "/p", nil)
	d, _ := c.Acquire(context.Background(), "k", fp)
	d.Ticket.Complete(422, []byte("err"))
	d, _ = c.Acquire(context.Background(), "k", fp)
	if d.Kind != Execute {
		t.Fatalf("after a failure the key must execute again, got %v", d.Kind)
	}
}

func TestLRUEvictionRefreshesOnHit(t *testing.T) {
	c := New(2)
	ctx := context.Background()
	put := func(k string) {
		d, _ := c.Acquire(ctx, k, Fingerprint{})
		d.Ticket.Complete(200, []byte(k))
	}
	put("a")
	put("b")
	if d, _ := c.Acquire(ctx, "a", Fingerprint{}); d.Kind != Replay {
		t.Fatal("a should be cached")
	}
	put("c") // evicts b, the least recently used
	if d, _ := c.Acquire(ctx, "a", Fingerprint{}); d.Kind != Replay {
		t.Fatal("a was refreshed and must survive")
	}
	d, _ := c.Acquire(ctx, "b", Fingerprint{})
	if d.Kind != Execute {
		t.Fatalf("b should have been evicted, got %v", d.Kind)
	}
	d.Ticket.Complete(500, nil)
}

// A waiter whose owner failed re-executes instead of getting a made-up success (B5).
func TestWaiterReexecutesWhenOwnerFails(t *testing.T) {
	c := New(10)
	ctx := context.Background()
	owner, _ := c.Acquire(ctx, "k", Fingerprint{})
	got := make(chan Decision, 1)
	go func() {
		d, _ := c.Acquire(ctx, "k", Fingerprint{})
		got <- d
	}()
	waitForWaiter(t, c, "k")
	owner.Ticket.Complete(422, nil)
	d := <-got
	if d.Kind != Execute {
		t.Fatalf("waiter must execute after a failed owner, got %v", d.Kind)
	}
	d.Ticket.Complete(201, []byte("ok"))
}

func TestWaiterReplaysOwnerSuccess(t *testing.T) {
	c := New(10)
	ctx := context.Background()
	owner, _ := c.Acquire(ctx, "k", Fingerprint{})
	var wg sync.WaitGroup
	results := make([]Decision, 3)
	for i := range results {
		wg.Add(1)
		go func() { defer wg.Done(); results[i], _ = c.Acquire(ctx, "k", Fingerprint{}) }()
	}
	waitForWaiter(t, c, "k")
	owner.Ticket.Complete(201, []byte("ok"))
	wg.Wait()
	for _, d := range results {
		if d.Kind != Replay || string(d.Body) != "ok" {
			t.Fatalf("waiter: %+v", d)
		}
	}
}

func TestWaiterAfterEviction(t *testing.T) {
	c := New(1)
	ctx := context.Background()
	owner, _ := c.Acquire(ctx, "k", Fingerprint{})
	got := make(chan Decision, 1)
	go func() { d, _ := c.Acquire(ctx, "k", Fingerprint{}); got <- d }()
	waitForWaiter(t, c, "k")
	// The owner succeeds, then another key evicts its entry before the
	// waiter wakes up.
	f := owner.Ticket.flight
	c.mu.Lock()
	c.store(&entry{key: "k", status: 201})
	c.store(&entry{key: "other", status: 200})
	delete(c.inflight, "k")
	f.succeeded = true
	c.mu.Unlock()
	close(f.done)
	if d := <-got; d.Kind != Evicted {
		t.Fatalf("got %v, want Evicted", d.Kind)
	}
}

func TestWaiterGivesUpWithClient(t *testing.T) {
	c := New(10)
	owner, _ := c.Acquire(context.Background(), "k", Fingerprint{})
	defer owner.Ticket.Complete(200, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Acquire(ctx, "k", Fingerprint{}); err == nil {
		t.Fatal("expected the context error")
	}
}

// waitForWaiter polls until a goroutine is blocked on key's flight.
func waitForWaiter(t *testing.T, c *Cache, key string) {
	t.Helper()
	testkit.Eventually(t, 5*time.Second, "a waiter blocked on the key", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		f, busy := c.inflight[key]
		return busy && f.waiters > 0
	})
}
