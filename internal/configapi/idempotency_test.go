package configapi_test

// Idempotency-Key over HTTP (sie-config.md §7, D3d B5, README §5.2 item 5).

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/store/local"
	"github.com/sieproject/sie/internal/testkit"
)

// TestB5WaiterReexecutesAfterFailedOwner covers §3 "B5": the owner of a
// key fails; the concurrent duplicate, which was waiting for it, executes
// itself and gets its own real outcome (not a synthesized 200).
func TestB5WaiterReexecutesAfterFailedOwner(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	var calls atomic.Int32
	hook := func(op, _ string) error {
		if op != local.OpEpoch || calls.Add(1) != 1 {
			return nil
		}
		close(entered) // the owner is inside the write
		<-release
		return errTest // and fails
	}
	e := newEnv(t, options{store: true, failWrites: hook})
	hdr := []string{"Idempotency-Key", "K"}
	owner := make(chan response, 1)
	go func() { owner <- doURL(t, "POST", e.srv.URL+"/v1/configs/models", docNE, hdr...) }()
	<-entered
	waiter := make(chan response, 1)
	go func() { waiter <- doURL(t, "POST", e.srv.URL+"/v1/configs/models", docNE, hdr...) }()
	testkit.Eventually(t, 10*time.Second, "the duplicate to wait on the owner", func() bool { return e.api.IdempotencyWaiters("K") > 0 })
	close(release)
	expectContains(t, <-owner, 503, `"error":"store_unavailable"`)
	expect(t, <-waiter, 201, `{"model_id":"n/e","created_profiles":["default"],"existing_profiles_skipped":[],"warnings":[],"routable_bundles_by_profile":{"default":["default"]},"router_id":"standalone","epoch":1,"worker_view":{"form":"stub","reasons":["no 'tasks' mapping: workers hold a stub without outputs and reject inference for this model"]}}`)
	// The waiter's success is now the cached outcome.
	expectContains(t, e.post(docNE, hdr...), 201, `"created_profiles":["default"]`)
	if e.epoch() != 1 {
		t.Fatal("epoch")
	}
}

// TestB5WaiterReplaysSuccessfulOwner: a duplicate that waited for a
// successful owner gets the owner's bytes; the write happened once.
func TestB5WaiterReplaysSuccessfulOwner(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	var calls atomic.Int32
	hook := func(op, _ string) error {
		if op == local.OpEpoch && calls.Add(1) == 1 {
			close(entered)
			<-release
		}
		return nil
	}
	e := newEnv(t, options{store: true, failWrites: hook})
	hdr := []string{"Idempotency-Key", "K"}
	owner := make(chan response, 1)
	go func() { owner <- doURL(t, "POST", e.srv.URL+"/v1/configs/models", docNE, hdr...) }()
	<-entered
	waiter := make(chan response, 1)
	go func() { waiter <- doURL(t, "POST", e.srv.URL+"/v1/configs/models", docNE, hdr...) }()
	testkit.Eventually(t, 10*time.Second, "the duplicate to wait on the owner", func() bool { return e.api.IdempotencyWaiters("K") > 0 })
	close(release)
	a, b := <-owner, <-waiter
	expectStatus(t, a, 201)
	expect(t, b, 201, a.body)
	if e.epoch() != 1 || calls.Load() != 1 {
		t.Fatal("executed twice")
	}
}

// TestIdempotencyRules covers the remaining rows of §7.
func TestIdempotencyRules(t *testing.T) {
	pub := newFakePub()
	e := newEnv(t, options{store: true, pub: pub, routerID: "r"})
	k := func(key string) []string { return []string{"Idempotency-Key", key} }

	// Errors are never cached: the key stays free.
	expectStatus(t, e.post("sie_id: n/e\n", k("A")...), 422)
	first := e.post(docNE, k("A")...)
	expectStatus(t, first, 201)
	// Any differing byte is a mismatch; the cached bytes replay verbatim.
	expect(t, e.post(docNE+"\n", k("A")...), 422, errMismatch)
	expect(t, e.post(docNE, k("A")...), 201, first.body)
	// The store is global across endpoints, and the fingerprint covers the
	// method and the path.
	expect(t, e.put("n/e", docNE, k("A")...), 422, errMismatch)
	// PUT and DELETE honour the header (README §5.2 item 5).
	put := e.put("p/q", strings.Replace(docNE, "n/e", "p/q", 1), k("P")...)
	expectContains(t, put, 201, `"created":true`)
	expect(t, e.put("p/q", strings.Replace(docNE, "n/e", "p/q", 1), k("P")...), 201, put.body)
	del := e.del("p/q", k("D")...)
	expectContains(t, del, 200, `"deleted":true`)
	expect(t, e.del("p/q", k("D")...), 200, del.body) // not a 404
	if e.epoch() != 3 || len(pub.messages()) != 6 {
		t.Fatalf("replays changed state: epoch %d, %d publishes", e.epoch(), len(pub.messages()))
	}
	// An empty header means no idempotency.
	expectContains(t, e.post(docNE, k("")...), 200, `"existing_profiles_skipped":["default"]`)
	// Idempotent replays are not audited; executed writes are, including
	// the 200 of an append that created nothing.
	if n := strings.Count(e.audit.String(), "config.add_model"); n != 2 {
		t.Fatalf("%d add_model audit lines, want 2", n)
	}
	// The NATS gate applies even to cached keys.
	pub.connected.Store(false)
	expect(t, e.post(docNE, k("A")...), 503, errNATS)
}
