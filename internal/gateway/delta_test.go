package gateway

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/sieproject/sie/internal/configdelta"
)

func TestDeltaKind(t *testing.T) {
	cases := []struct {
		env  configdelta.Payload
		want string
	}{
		{configdelta.Payload{ModelConfig: "sie_id: a\n"}, KindModelAdded},
		{configdelta.Payload{ModelConfig: " \n\t"}, KindEpochBump},
		// A DELETE that reverts to the seed carries the seed's text and deleted: true.
		{configdelta.Payload{ModelID: "a", ModelConfig: "sie_id: a\n", Deleted: true}, KindModelAdded},
		{configdelta.Payload{ModelID: "a", Deleted: true}, KindModelRemoved},
		{configdelta.Payload{Deleted: true}, KindEpochBump},
	}
	for _, c := range cases {
		if got := kindOf(&c.env); got != c.want {
			t.Errorf("%+v: kind %s, want %s", c.env, got, c.want)
		}
	}
}

// nats/manager.rs #4–6 (D3n).
func TestTrust(t *testing.T) {
	def := Trust(DefaultTrustedProducers)
	for _, ok := range []string{"sie-config", "sie-config-5f7b6d8c-kxwvr", "sie-config-0"} {
		if !def.Admits(ok) {
			t.Errorf("default rejects %q", ok)
		}
	}
	for _, bad := range []string{"sie-configuration", "evil-publisher", "", "sie-config_0", "xsie-config"} {
		if def.Admits(bad) {
			t.Errorf("default admits %q", bad)
		}
	}
	if !(Trust{}).Admits("") || !(Trust(nil)).Admits("anyone") {
		t.Error("an empty allow-list must trust everyone")
	}
	custom := Trust{"rel-sie-cluster-config", "ops"}
	if !custom.Admits("rel-sie-cluster-config-7d9f-abcde") || !custom.Admits("ops") || custom.Admits("sie-config") || custom.Admits("opsx") {
		t.Error("custom allow-list: exact or dash-prefix per entry")
	}
}

func modelIDs(st *State) []string {
	var out []string
	for _, m := range st.Models() {
		out = append(out, m.ID)
	}
	return out
}

// nats/manager.rs #7: an untrusted producer changes nothing.
func TestDeltaUntrusted(t *testing.T) {
	m, _ := newTestMirror(t, Config{Trusted: Trust{"sie-config"}})
	m.HandleDelta(payload("evil", 1, "a/b", modelYAML("a/b", "default")))
	m.HandleDelta(payload("evil", 99, "", ""))
	if st := m.Snapshot(); st.Epoch() != 0 || st.Len() != 0 {
		t.Fatalf("untrusted delta applied: epoch %d, models %v", st.Epoch(), modelIDs(st))
	}
	if got := deltaCount(m, KindModelAdded, ResultRejectedUntrusted); got != 1 {
		t.Errorf("rejected_untrusted = %v", got)
	}
}

// nats/manager.rs #8 (differs, D3h/D3i): a delta replaces the document.
func TestDeltaReplaces(t *testing.T) {
	m, _ := newTestMirror(t, Config{Seed: seedState(t, 0, modelYAML("test/model", "default"))})
	m.HandleDelta(payload("sie-config", 1, "test/model", modelYAML("test/model", "fast")))
	got := m.Snapshot().Exact("test/model")
	if got == nil || !slices.Equal(got.ProfileNames, []string{"fast"}) || m.Snapshot().Epoch() != 1 {
		t.Fatalf("after replace: %+v epoch %d", got, m.Snapshot().Epoch())
	}
	if deltaCount(m, KindModelAdded, ResultApplied) != 1 {
		t.Error("applied not counted")
	}
}

// nats/manager.rs #9, #10, #13: blank body is a bump; bad YAML is a parse
// error that leaves L and asks for a resync.
func TestDeltaBlankAndBadYAML(t *testing.T) {
	m, _ := newTestMirror(t, Config{})
	m.HandleDelta(payload("sie-config", 1, "a", "   \n"))
	if st := m.Snapshot(); st.Len() != 0 || st.Epoch() != 1 {
		t.Fatalf("blank body: models %v epoch %d", modelIDs(st), st.Epoch())
	}
	m.HandleDelta(payload("sie-config", 2, "a", "sie_id: [unclosed\n"))
	if st := m.Snapshot(); st.Len() != 0 || st.Epoch() != 1 {
		t.Fatalf("bad yaml: models %v epoch %d", modelIDs(st), st.Epoch())
	}
	m.HandleDelta(payload("sie-config", 2, "a", "sie_id: a\nflag: yes\n")) // guard rejects
	if deltaCount(m, KindModelAdded, ResultParseError) != 2 || deltaCount(m, KindEpochBump, ResultApplied) != 1 {
		t.Error("metrics")
	}
}

// apply_error: a document that is not accepted, or whose id differs from
// model_id, leaves L unchanged.
func TestDeltaApplyError(t *testing.T) {
	m, _ := newTestMirror(t, Config{})
	m.HandleDelta(payload("sie-config", 1, "a", "profiles: {p: 1}\nsie_id: a\n"))
	m.HandleDelta(payload("sie-config", 1, "other", modelYAML("a", "default")))
	m.HandleDelta(payload("sie-config", 1, "a", "sie_id: a\nprofiles:\n  p: {adapter_path: 5}\n"))
	if st := m.Snapshot(); st.Len() != 0 || st.Epoch() != 0 {
		t.Fatalf("models %v epoch %d", modelIDs(st), st.Epoch())
	}
	if got := deltaCount(m, KindModelAdded, ResultApplyError); got != 3 {
		t.Errorf("apply_error = %v", got)
	}
}

// nats/manager.rs #12, #14 (differ, D3i) and the §3 gap scenario.
func TestDeltaEpochRules(t *testing.T) {
	m, _ := newTestMirror(t, Config{Seed: seedState(t, 3)})
	// A skip applies the content best-effort but leaves L.
	m.HandleDelta(payload("sie-config", 5, "gap/model", modelYAML("gap/model", "default")))
	st := m.Snapshot()
	if st.Epoch() != 3 || st.Exact("gap/model") == nil || deltaCount(m, KindModelAdded, ResultGap) != 1 {
		t.Fatalf("gap: epoch %d models %v", st.Epoch(), modelIDs(st))
	}
	// An unroutable document is accepted by the mirror (README §5.2 item 10).
	m.HandleDelta(payload("sie-config", 4, "x", modelYAML("x", "default=unknown.module")))
	if x := m.Snapshot().Exact("x"); x == nil || len(x.Bundles) != 0 || m.Snapshot().Epoch() != 4 {
		t.Fatalf("unroutable: %+v epoch %d", x, m.Snapshot().Epoch())
	}
	m.HandleDelta(payload("sie-config", 4, "y", modelYAML("y", "default")))
	m.HandleDelta(payload("sie-config", 2, "z", modelYAML("z", "default")))
	if st := m.Snapshot(); st.Exact("y") != nil || st.Exact("z") != nil {
		t.Fatal("duplicate or stale delta applied")
	}
	if deltaCount(m, KindModelAdded, ResultDuplicate) != 1 || deltaCount(m, KindModelAdded, ResultStale) != 1 {
		t.Error("duplicate/stale metrics")
	}
	m.HandleDelta(payload("sie-config", 5, "", ""))
	if m.Snapshot().Epoch() != 5 {
		t.Fatalf("bump: epoch %d", m.Snapshot().Epoch())
	}
	m.HandleDelta(payload("sie-config", 6, "gap/model", "", "deleted=true"))
	if st := m.Snapshot(); st.Epoch() != 6 || st.Exact("gap/model") != nil {
		t.Fatalf("removal: epoch %d models %v", st.Epoch(), modelIDs(st))
	}
	// Removing an absent model is still applied.
	m.HandleDelta(payload("sie-config", 7, "never", "", "deleted=true"))
	if m.Snapshot().Epoch() != 7 || deltaCount(m, KindModelRemoved, ResultApplied) != 2 {
		t.Fatal("absent removal")
	}
	m.HandleDelta([]byte(`{"nope":1}`))
	if deltaCount(m, KindUnknown, ResultInvalidEnvelope) != 1 {
		t.Error("invalid envelope metric")
	}
}

// A DELETE that reverts a model to its seed carries the seed document and
// deleted: true; the mirror replaces the model with it.
func TestDeltaDeleteRevertsToSeed(t *testing.T) {
	m, _ := newTestMirror(t, Config{Seed: seedState(t, 1, modelYAML("s/m", "default", "api"))})
	m.HandleDelta(payload("sie-config", 2, "s/m", modelYAML("s/m", "default"), "deleted=true"))
	got := m.Snapshot().Exact("s/m")
	if got == nil || !slices.Equal(got.ProfileNames, []string{"default"}) {
		t.Fatalf("revert: %+v", got)
	}
}

// model_registry.rs #3, #11: concurrent deltas are serialized; none is lost.
func TestDeltaConcurrentNoLostUpdates(t *testing.T) {
	m, _ := newTestMirror(t, Config{})
	var wg sync.WaitGroup
	var mu sync.Mutex // deltas arrive one at a time in order from NATS; the epoch is assigned under it
	next := uint64(0)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				id := fmt.Sprintf("m/%d-%d", g, i)
				mu.Lock()
				next++
				m.HandleDelta(payload("sie-config", next, id, modelYAML(id, "default")))
				mu.Unlock()
				_ = m.Snapshot().Find(id) // concurrent readers
			}
		}()
	}
	wg.Wait()
	if st := m.Snapshot(); st.Len() != 400 || st.Epoch() != 400 {
		t.Fatalf("got %d models, epoch %d", st.Len(), st.Epoch())
	}
}
