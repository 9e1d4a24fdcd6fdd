package gateway

// The gateway's E9 rules: generations, trust of the bootstrap source, the
// export cap, the replay buffer's byte cap and the resync pacing.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

const genA, genB = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

func TestGenerationRule(t *testing.T) {
	f := newFakeConfig(t).withDefaultBundle()
	f.set(func(f *fakeConfig) {
		f.generation = genA
		f.epochBody = `{"epoch":3,"bundles_hash":"h"}`
		f.export = exportJSON(3, modelYAML("a/m", "default"))
	})
	m, _ := newTestMirror(t, Config{ConfigURL: f.srv.URL})
	if err := resyncNow(t, m); err != nil {
		t.Fatal(err)
	}
	if m.Snapshot().Generation() != genA {
		t.Fatalf("generation %q", m.Snapshot().Generation())
	}
	// A delta of the mirror's generation applies; one of another (or none)
	// never does, whatever its epoch, and asks for a resync.
	m.HandleDeltaMsg(payload("sie-config", 4, "a/m", modelYAML("a/m", "default", "two")), genA)
	if m.Snapshot().Epoch() != 4 {
		t.Fatal("a delta of the mirror's generation was not applied")
	}
	for _, g := range []string{genB, ""} {
		m.HandleDeltaMsg(payload("sie-config", 5, "x/forged", modelYAML("x/forged", "default")), g)
		if m.Snapshot().Exact("x/forged") != nil || m.Snapshot().Epoch() != 4 {
			t.Fatalf("a delta of generation %q was applied", g)
		}
	}
	if deltaCount(m, KindModelAdded, ResultOtherGeneration) != 2 || !m.Busy() {
		t.Fatal("other-generation deltas are not counted, or no resync was requested")
	}
	if got := m.takePending(); got != TriggerGeneration {
		t.Fatalf("trigger %q", got)
	}

	// The poller: another generation is drift even at equal epochs.
	if got := driftTrigger(4, m.Snapshot(), RemoteEpoch{Epoch: 4, BundlesHash: "h", Generation: genB}); got != TriggerGeneration {
		t.Fatalf("poll at an equal epoch of another generation: %q", got)
	}
	if got := driftTrigger(4, m.Snapshot(), RemoteEpoch{Epoch: 4, BundlesHash: "h"}); got != "" {
		t.Fatalf("a sie-config without generations is not drift: %q", got)
	}

	// Without a config URL (seed-only) there is no generation to compare.
	seedOnly, _ := newTestMirror(t, Config{Seed: seedState(t, 0)})
	seedOnly.HandleDeltaMsg(payload("sie-config", 1, "a/m", modelYAML("a/m", "default")), genB)
	if seedOnly.Snapshot().Epoch() != 1 {
		t.Fatal("seed-only mode ignores generations")
	}
}

// A resync whose epoch and export come from different generations (a
// restart in between) fails and restarts instead of mixing them.
func TestResyncAcrossARestartFails(t *testing.T) {
	f := newFakeConfig(t).withDefaultBundle()
	f.set(func(f *fakeConfig) { f.generation = genA })
	block := make(chan struct{})
	f.set(func(f *fakeConfig) { f.block = block })
	m, _ := newTestMirror(t, Config{ConfigURL: f.srv.URL})
	done := make(chan error, 1)
	go func() { done <- resyncNow(t, m) }()
	testkit.Eventually(t, 5*time.Second, "the export requested", func() bool { return f.hit("/v1/configs/export") == 1 })
	f.set(func(f *fakeConfig) { f.generation = genB })
	close(block)
	if err := <-done; !errors.Is(err, errGenerationChanged) {
		t.Fatalf("err = %v", err)
	}
}

func TestBootstrapSourceIsTrusted(t *testing.T) {
	f := newFakeConfig(t).withDefaultBundle()
	f.set(func(f *fakeConfig) { f.routerID = "myhost-4242" })
	var logs testkit.Logs
	m, _ := newTestMirror(t, Config{ConfigURL: f.srv.URL, Trusted: Trust{"sie-config"},
		Log: logs.Logger()})
	m.HandleDelta(payload("myhost-4242", 1, "a/m", modelYAML("a/m", "default")))
	if m.Snapshot().Exact("a/m") != nil {
		t.Fatal("trusted before the bootstrap")
	}
	if !strings.Contains(logs.String(), "SIE_NATS_CONFIG_TRUSTED_PRODUCERS") {
		t.Fatalf("the rejection does not name the variable:\n%s", logs.String())
	}
	if err := resyncNow(t, m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "level=INFO") || !strings.Contains(logs.String(), "router_id=myhost-4242") {
		t.Fatalf("the trust is not logged at INFO:\n%s", logs.String())
	}
	m.HandleDelta(payload("myhost-4242", 1, "a/m", modelYAML("a/m", "default")))
	if m.Snapshot().Exact("a/m") == nil {
		t.Fatal("the bootstrap source's delta was rejected")
	}
	// Look-alikes of the learned id stay untrusted; "standalone" is never learned.
	for _, p := range []string{"myhost-4242-x", "myhost-424", ""} {
		if m.trusts(p) {
			t.Errorf("%q trusted", p)
		}
	}
	m.learnSource("standalone")
	if m.trusts("standalone") {
		t.Error("standalone learned")
	}
}

func TestExportCap(t *testing.T) {
	f := newFakeConfig(t).withDefaultBundle()
	f.set(func(f *fakeConfig) {
		f.export = exportJSON(1, modelYAML("a/m", "default"), modelYAML("b/m", "default")+"description: "+strings.Repeat("x", 10000)+"\n")
	})
	m, _ := newTestMirror(t, Config{ConfigURL: f.srv.URL, ExportMaxBytes: 4096})
	err := resyncNow(t, m)
	if !errors.Is(err, ErrExportTooLarge) || !strings.Contains(err.Error(), "SIE_GATEWAY_EXPORT_MAX_BYTES") {
		t.Fatalf("err = %v", err)
	}
	if m.Snapshot().Len() != 0 {
		t.Fatal("a refused export changed the mirror")
	}
	// A cap just below the size fails too (the decoder must not already hold
	// the rest); the exact size passes.
	size := int64(len(f.export))
	if err := resyncNow(t, newMirrorOnly(t, f, size-1)); !errors.Is(err, ErrExportTooLarge) {
		t.Fatalf("cap size-1: %v", err)
	}
	if err := resyncNow(t, newMirrorOnly(t, f, size)); err != nil {
		t.Fatalf("cap = size: %v", err)
	}
	m2, _ := newTestMirror(t, Config{ConfigURL: f.srv.URL, ExportMaxBytes: 1 << 20})
	if err := resyncNow(t, m2); err != nil || m2.Snapshot().Len() != 2 {
		t.Fatalf("%v, %d models", err, m2.Snapshot().Len())
	}
}

// A flood during a resync overflows the byte-capped buffer: the attempt is
// aborted (its export fetch cancelled) and restarts.
func TestReplayBufferOverflowRestarts(t *testing.T) {
	f := newFakeConfig(t).withDefaultBundle()
	block := make(chan struct{})
	f.set(func(f *fakeConfig) { f.block = block; f.export = exportJSON(1, modelYAML("a/m", "default")) })
	m, _ := newTestMirror(t, Config{ConfigURL: f.srv.URL, BufferBytes: 64 << 10})
	done := make(chan error, 1)
	go func() { done <- m.attempt(context.Background(), TriggerStartup) }()
	testkit.Eventually(t, 5*time.Second, "the export requested", func() bool { return f.hit("/v1/configs/export") == 1 })
	big := modelYAML("z/m", "default") + "description: " + strings.Repeat("y", 20000) + "\n"
	for i := range 10 {
		m.HandleDelta(payload("sie-config", uint64(2+i), "z/m", big))
	}
	if err := <-done; !errors.Is(err, errBufferOverflow) {
		t.Fatalf("err = %v", err)
	}
	close(block)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.resyncing || m.buffer != nil || m.bufferBytes != 0 {
		t.Fatal("the aborted attempt left its buffer")
	}
}

func TestResyncPacing(t *testing.T) {
	f := newFakeConfig(t).withDefaultBundle()
	m, _ := startMirror(t, Config{ConfigURL: f.srv.URL, PollInterval: time.Hour, ResyncInterval: 300 * time.Millisecond})
	testkit.Eventually(t, 5*time.Second, "bootstrap", m.Ready)
	start := time.Now()
	for range 50 {
		m.RequestResync(TriggerGap)
		time.Sleep(10 * time.Millisecond)
	}
	testkit.Eventually(t, 5*time.Second, "the queued resync", func() bool { return !m.Busy() })
	n := resyncCount(m, TriggerGap, "success")
	if limit := time.Since(start).Seconds()/0.3 + 2; n > limit || n < 1 {
		t.Fatalf("%v resyncs in %s (at most one per 300 ms)", n, time.Since(start))
	}
}

func newMirrorOnly(t *testing.T, f *fakeConfig, exportMax int64) *Mirror {
	m, _ := newTestMirror(t, Config{ConfigURL: f.srv.URL, ExportMaxBytes: exportMax})
	return m
}
