package gateway

import (
	"fmt"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/configdelta"
	"github.com/sieproject/sie/internal/testkit"
)

// A delta's model is published before its expected-hash upkeep: the state
// HandleDelta publishes holds the model while its bundle digest is still
// pending; the upkeep (background or the first reader) then gives the same
// hashes and history as computing them at once, and the settled copy is
// swapped in.
func TestDeltaVisibleBeforeHashUpkeep(t *testing.T) {
	seed := seedState(t, 0, modelYAML("a/seed", "default"))
	prev := seed
	// The same deltas applied the eager way, for reference.
	eager := seed
	eagerHistory := history{}.advance(emptyState(), seed)
	var hashes []string
	for e := uint64(1); e <= 20; e++ {
		d := &delta{env: decoded(t, payload("r", e, fmt.Sprintf("a/m%02d", e), modelYAML(fmt.Sprintf("a/m%02d", e), "default"))), kind: KindModelAdded}
		d.doc = mustParse(t, modelYAML(fmt.Sprintf("a/m%02d", e), "default"))
		next, result, _, err := step(prev, d)
		if err != nil || result != ResultApplied {
			t.Fatalf("epoch %d: %s %v", e, result, err)
		}
		if !next.index.Pending() {
			t.Fatal("applying a delta computed the bundle digest before publishing")
		}
		if next.Exact(d.env.ModelID) == nil {
			t.Fatal("the model is not in the state")
		}
		owe(prev, next) // what publish does
		prev = next

		ref := eager.derive()
		ref.index, ref.epoch = eager.index.Put(next.Exact(d.env.ModelID)).Settled(), e
		eagerHistory = eagerHistory.advance(eager, ref)
		ref.history = eagerHistory
		eager = ref
		hashes = append(hashes, eager.ExpectedHash("default"))
	}
	// Read the newest first: the upkeep runs back through the chain.
	if got, want := prev.ExpectedHash("default"), eager.ExpectedHash("default"); got != want {
		t.Fatalf("expected hash %s, want %s", got, want)
	}
	for i, h := range hashes[:len(hashes)-1] {
		ge, gok := prev.ExpectedBefore("default", h)
		we, wok := eager.ExpectedBefore("default", h)
		if ge != we || gok != wok {
			t.Fatalf("history of hash %d: epoch %d %v, want %d %v", i, ge, gok, we, wok)
		}
	}
	if c := prev.settledCopy(); c.index.Pending() || c.upkeep != nil || c.Len() != prev.Len() {
		t.Fatal("the settled copy still owes upkeep")
	}
}

// The mirror settles in the background: after a burst of deltas the
// published state ends up settled, with the hash of the whole registry.
func TestMirrorSettlesInBackground(t *testing.T) {
	m, _ := newTestMirror(t, Config{Seed: seedState(t, 0)})
	for e := uint64(1); e <= 50; e++ {
		id := fmt.Sprintf("b/m%02d", e)
		m.HandleDelta(payload("r", e, id, modelYAML(id, "default")))
		if m.Snapshot().Exact(id) == nil {
			t.Fatalf("%s not visible once its delta is handled", id)
		}
	}
	testkit.Eventually(t, 10*time.Second, "the published state is settled", func() bool {
		s := m.Snapshot()
		return s.upkeep == nil && !s.index.Pending()
	})
	var docs []string
	for e := 1; e <= 50; e++ {
		docs = append(docs, modelYAML(fmt.Sprintf("b/m%02d", e), "default"))
	}
	if got, want := m.Snapshot().ExpectedHash("default"), seedState(t, 50, docs...).ExpectedHash("default"); got != want || m.Snapshot().Epoch() != 50 {
		t.Fatalf("hash %s at epoch %d, want %s at 50", got, m.Snapshot().Epoch(), want)
	}
}

func decoded(t *testing.T, data []byte) configdelta.Payload {
	t.Helper()
	p, err := configdelta.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
