package gateway

import (
	"context"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

// config_poller.rs #1: hash drift with equal epochs → resync; hash stored.
func TestPollerHashDrift(t *testing.T) {
	f := newFakeConfig(t).withDefaultBundle()
	m, _ := newTestMirror(t, Config{ConfigURL: f.srv.URL})
	f.set(func(f *fakeConfig) { f.epochBody = `{"epoch":0,"bundles_hash":"new"}` })
	if got := m.pollOnce(context.Background()); got != TriggerPollHash {
		t.Fatalf("trigger %q", got)
	}
	if err := m.attempt(context.Background(), TriggerPollHash); err != nil {
		t.Fatal(err)
	}
	if st := m.Snapshot(); st.BundlesHash() != "new" || st.Epoch() != 0 {
		t.Fatalf("hash %q epoch %d", st.BundlesHash(), st.Epoch())
	}
	if got := m.pollOnce(context.Background()); got != "" {
		t.Fatalf("in sync, got %q", got)
	}
}

// config_poller.rs #2, #3: a rewind (plus drift) converges in one resync.
func TestPollerRewind(t *testing.T) {
	f := newFakeConfig(t).withDefaultBundle()
	f.set(func(f *fakeConfig) { f.epochBody = `{"epoch":10,"bundles_hash":"a"}`; f.export = exportJSON(10) })
	m, _ := startMirror(t, Config{ConfigURL: f.srv.URL, PollInterval: 10 * time.Millisecond})
	testkit.Eventually(t, 5*time.Second, "bootstrap", func() bool { return m.Snapshot().Epoch() == 10 })
	f.set(func(f *fakeConfig) { f.epochBody = `{"epoch":3,"bundles_hash":"b"}`; f.export = exportJSON(3) })
	testkit.Eventually(t, 5*time.Second, "rewind", func() bool { return m.Snapshot().Epoch() == 3 && m.Snapshot().BundlesHash() == "b" })
	time.Sleep(100 * time.Millisecond) // several more ticks: stable
	if n := f.hit("/v1/configs/export"); n != 2 {
		t.Fatalf("%d export fetches, want 2 (startup + one rewind)", n)
	}
	if resyncCount(m, TriggerRewind, "success") != 1 {
		t.Fatal("rewind trigger")
	}
}

// config_poller.rs #4: an empty remote hash never counts as drift; the
// poller's epoch rule catches an advance.
func TestPollerEmptyHashAndAdvance(t *testing.T) {
	f := newFakeConfig(t).withDefaultBundle()
	m, _ := newTestMirror(t, Config{ConfigURL: f.srv.URL})
	if err := m.attempt(context.Background(), TriggerStartup); err != nil {
		t.Fatal(err)
	}
	f.set(func(f *fakeConfig) { f.epochBody = `{"epoch":0,"bundles_hash":""}` })
	if got := m.pollOnce(context.Background()); got != "" || f.hit("/v1/configs/bundles") != 1 {
		t.Fatalf("trigger %q", got)
	}
	f.set(func(f *fakeConfig) { f.epochBody = `{"epoch":4}` })
	if got := m.pollOnce(context.Background()); got != TriggerPollEpoch {
		t.Fatalf("trigger %q", got)
	}
	// A poll that finds a resync queued does nothing more.
	epochs := f.hit("/v1/configs/epoch")
	if got := m.pollOnce(context.Background()); got != "" || f.hit("/v1/configs/epoch") != epochs {
		t.Fatal("busy poll must not fetch")
	}
}
