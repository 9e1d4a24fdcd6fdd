package controlplane

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

// blockingPublisher blocks every publish until released, like a NATS
// connection whose server stopped reading.
type blockingPublisher struct {
	release chan struct{}
	mu      sync.Mutex
	sent    []string
}

func (p *blockingPublisher) Connected() bool   { return true }
func (p *blockingPublisher) MaxPayload() int64 { return 1 << 20 }
func (p *blockingPublisher) PublishMsg(subject string, h map[string]string, data []byte) error {
	<-p.release
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, subject+" "+epochOf(data)+" "+h[GenerationHeader])
	return nil
}

// A publish that cannot complete within the bound fails like a refused one
// (the change is committed and stays queued), other writers and readers
// never wait behind it, and the queue leaves in order once NATS moves.
func TestPublishIsBounded(t *testing.T) {
	pub := &blockingPublisher{release: make(chan struct{})}
	s := newTestService(t, pub)
	s.publishTimeout = 200 * time.Millisecond
	defer s.Close()
	gen := s.Generation()

	for i, id := range []string{"a/m", "b/m", "c/m"} {
		start := time.Now()
		res := post(t, s, id, "default")
		took := time.Since(start)
		if len(res.Warnings) != 1 || !strings.HasPrefix(res.Warnings[0], "nats_publish_failed") || res.Epoch != int64(i+1) {
			t.Fatalf("%s: %+v", id, res)
		}
		if took > time.Second {
			t.Fatalf("%s waited %s for a stuck publish", id, took)
		}
	}
	// Readers see every committed change at once, export included.
	done := make(chan Exported, 1)
	go func() { done <- s.Export() }()
	select {
	case ex := <-done:
		if ex.Epoch != 3 || ex.Snapshot.Exact("c/m") == nil || ex.Generation != gen {
			t.Fatalf("export %+v", ex)
		}
	case <-time.After(time.Second):
		t.Fatal("/export waits behind a publish")
	}
	if s.PendingDeltas() != 6 {
		t.Fatalf("%d pending, want 6", s.PendingDeltas())
	}
	close(pub.release)
	testkit.Eventually(t, 5*time.Second, "the queue drains", func() bool { return s.PendingDeltas() == 0 })
	want := []string{
		"sie.config.models.default 1 " + gen, "sie.config.models._all 1 " + gen,
		"sie.config.models.default 2 " + gen, "sie.config.models._all 2 " + gen,
		"sie.config.models.default 3 " + gen, "sie.config.models._all 3 " + gen,
	}
	pub.mu.Lock()
	defer pub.mu.Unlock()
	if strings.Join(pub.sent, "|") != strings.Join(want, "|") {
		t.Fatalf("sent %v", pub.sent)
	}
}
