package controlplane

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/configdelta"
	"github.com/sieproject/sie/internal/store/local"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/yamldoc"
)

// recordingPublisher keeps every _all payload.
type recordingPublisher struct {
	mu  sync.Mutex
	all [][]byte
}

func (p *recordingPublisher) Connected() bool   { return true }
func (p *recordingPublisher) MaxPayload() int64 { return 1 << 20 }
func (p *recordingPublisher) PublishMsg(subject string, _ map[string]string, data []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if subject == "sie.config.models._all" {
		p.all = append(p.all, data)
	}
	return nil
}

func (p *recordingPublisher) payloads(t *testing.T) []configdelta.Payload {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]configdelta.Payload, 0, len(p.all))
	for _, d := range p.all {
		pl, err := configdelta.Decode(d)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, pl)
	}
	return out
}

// gatedStore holds the first epoch write until released, counts epoch
// writes and can fail the document of one model.
type gatedStore struct {
	epochWrites atomic.Int64
	entered     chan struct{}
	release     chan struct{}
	failName    atomic.Value // string
}

func (g *gatedStore) hook(op, name string) error {
	switch op {
	case local.OpEpoch:
		if g.epochWrites.Add(1) == 1 {
			close(g.entered)
			<-g.release
		}
	case local.OpModel:
		if f, _ := g.failName.Load().(string); f == name {
			return errors.New("disk on fire")
		}
	}
	return nil
}

func newGroupService(t *testing.T, dir string, g *gatedStore, pub Publisher) *Service {
	t.Helper()
	st, err := local.Open(dir, local.Options{FailWrites: g.hook})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ReadEpoch(context.Background()); err != nil {
		t.Fatal(err)
	}
	bundles := []*catalog.Bundle{{Name: "default", Priority: 10, Adapters: []string{"sie_server.adapters.bert_flash"}}}
	s := New(Config{Snapshot: catalog.NewSnapshot(bundles, nil, nil), Store: st, Pub: pub, RouterID: "r", Log: testkit.Discard()})
	t.Cleanup(s.Close)
	return s
}

func body(id string) []byte {
	return []byte("sie_id: " + id + "\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 1\n")
}

type outcome struct {
	id    string
	epoch int64
	err   error
}

// startQueued starts one write that the gate holds in the store, then n more
// that queue behind it, and returns once all n are queued.
func startQueued(t *testing.T, s *Service, g *gatedStore, ids []string) chan outcome {
	t.Helper()
	out := make(chan outcome, len(ids))
	run := func(id string) {
		res, err := s.Append(context.Background(), body(id), WriteOptions{})
		o := outcome{id: id, err: err}
		if err == nil {
			o.epoch = res.Epoch
		}
		out <- o
	}
	go run(ids[0])
	<-g.entered
	for _, id := range ids[1:] {
		go run(id)
	}
	testkit.Eventually(t, 10*time.Second, "the writers queue behind the first", func() bool {
		s.queueMu.Lock()
		defer s.queueMu.Unlock()
		return len(s.queue) == len(ids)-1
	})
	close(g.release)
	return out
}

// TestGroupCommit: writes that queue while the store is busy are committed
// as one group with a single epoch write, yet each is answered with its own
// epoch and announced in epoch order with the bundle hash of the state
// after it, exactly as one-by-one writes would be.
func TestGroupCommit(t *testing.T) {
	dir := t.TempDir()
	g := &gatedStore{entered: make(chan struct{}), release: make(chan struct{})}
	pub := &recordingPublisher{}
	s := newGroupService(t, dir, g, pub)
	ids := make([]string, 21)
	for i := range ids {
		ids[i] = fmt.Sprintf("org/m%02d", (i*5)%21)
	}
	out := startQueued(t, s, g, ids)
	byEpoch := map[int64]string{}
	for range ids {
		o := <-out
		if o.err != nil {
			t.Fatalf("%s: %v", o.id, o.err)
		}
		if prev, dup := byEpoch[o.epoch]; dup {
			t.Fatalf("%s and %s both got epoch %d", prev, o.id, o.epoch)
		}
		byEpoch[o.epoch] = o.id
	}
	if got := g.epochWrites.Load(); got != 2 {
		t.Fatalf("%d epoch writes for a write and one group, want 2", got)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "epoch")); string(data) != "21" {
		t.Fatalf("epoch file %q", data)
	}
	if s.Epoch() != 21 {
		t.Fatalf("epoch %d", s.Epoch())
	}
	testkit.Eventually(t, 10*time.Second, "every delta is published", func() bool { return len(pub.payloads(t)) == 21 })
	// Replay the writes one by one in epoch order: every delta must carry
	// that epoch, that model and the hash of the state after it.
	bundles := []*catalog.Bundle{{Name: "default", Priority: 10, Adapters: []string{"sie_server.adapters.bert_flash"}}}
	replay := catalog.NewSnapshot(bundles, nil, nil)
	for i, p := range pub.payloads(t) {
		epoch := int64(i + 1)
		id := byEpoch[epoch]
		d, err := yamldoc.Parse(body(id))
		if err != nil {
			t.Fatal(err)
		}
		replay, _ = replay.WithAPI(id, d, string(yamldoc.Emit(d)))
		if p.Epoch != uint64(epoch) || p.ModelID != id || p.BundleConfigHash != replay.Settled().ConfigBundleHash("default") {
			t.Fatalf("delta %d: epoch %d model %s hash %s; want epoch %d model %s hash %s", i, p.Epoch, p.ModelID, p.BundleConfigHash,
				epoch, id, replay.Settled().ConfigBundleHash("default"))
		}
	}
	if got, want := s.Snapshot().ConfigBundleHash("default"), replay.Settled().ConfigBundleHash("default"); got != want {
		t.Fatalf("committed hash %s, want %s", got, want)
	}
	names, _ := os.ReadDir(filepath.Join(dir, "models"))
	if len(names) != 21 {
		t.Fatalf("%d files in the store", len(names))
	}
}

// TestGroupCommitFailure: when the store refuses one document of a group,
// the writes before it stand (the epoch goes back to theirs), it and every
// write after it fail with 503 and leave no trace.
func TestGroupCommitFailure(t *testing.T) {
	dir := t.TempDir()
	g := &gatedStore{entered: make(chan struct{}), release: make(chan struct{})}
	pub := &recordingPublisher{}
	s := newGroupService(t, dir, g, pub)
	g.failName.Store("org__bad.yaml")
	ids := []string{"org/first", "org/a", "org/b", "org/bad", "org/c", "org/d"}
	out := startQueued(t, s, g, ids)
	got := map[string]outcome{}
	for range ids {
		o := <-out
		got[o.id] = o
	}
	if got["org/first"].err != nil || got["org/first"].epoch != 1 {
		t.Fatalf("first: %+v", got["org/first"])
	}
	// The group is planned in queue order, which the test does not fix:
	// the writes that got an epoch are exactly those before org/bad.
	var ok []int64
	for _, id := range ids[1:] {
		o := got[id]
		var se *StoreError
		switch {
		case o.err == nil:
			ok = append(ok, o.epoch)
		case errors.As(o.err, &se):
		default:
			t.Fatalf("%s: %v", id, o.err)
		}
	}
	if got["org/bad"].err == nil {
		t.Fatal("the refused document was answered as written")
	}
	slices.Sort(ok)
	for i, e := range ok {
		if e != int64(i+2) {
			t.Fatalf("epochs of the writes that stand: %v", ok)
		}
	}
	last := int64(len(ok) + 1)
	if data, _ := os.ReadFile(filepath.Join(dir, "epoch")); string(data) != strconv.FormatInt(last, 10) {
		t.Fatalf("epoch file %q, want %d", data, last)
	}
	if s.Epoch() != last || s.Snapshot().Len() != len(ok)+1 {
		t.Fatalf("epoch %d with %d models; want %d with %d", s.Epoch(), s.Snapshot().Len(), last, len(ok)+1)
	}
	names, _ := os.ReadDir(filepath.Join(dir, "models"))
	if len(names) != len(ok)+1 {
		t.Fatalf("%d files in the store, want %d", len(names), len(ok)+1)
	}
	for _, id := range ids {
		if o := got[id]; o.err != nil && s.Snapshot().Exact(id) != nil {
			t.Fatalf("%s failed but is in the registry", id)
		}
	}
}
