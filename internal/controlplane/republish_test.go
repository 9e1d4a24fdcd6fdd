package controlplane

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/testkit"
)

// flakyPublisher fails while down is set and records what it accepted.
type flakyPublisher struct {
	mu       sync.Mutex
	down     bool
	accepted []string // subject + " " + model_id epoch
}

func (p *flakyPublisher) Connected() bool   { return true }
func (p *flakyPublisher) MaxPayload() int64 { return 1 << 20 }
func (p *flakyPublisher) PublishMsg(subject string, _ map[string]string, data []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return errors.New("broken pipe")
	}
	p.accepted = append(p.accepted, subject+" "+epochOf(data))
	return nil
}

func (p *flakyPublisher) set(down bool) { p.mu.Lock(); p.down = down; p.mu.Unlock() }
func (p *flakyPublisher) log() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.accepted...)
}

func epochOf(payload []byte) string {
	s := string(payload)
	i := strings.Index(s, `"epoch":`)
	j := strings.Index(s[i:], ",")
	return s[i+8 : i+j]
}

func newTestService(t *testing.T, pub Publisher) *Service {
	t.Helper()
	bundles := []*catalog.Bundle{{Name: "default", Priority: 10, Adapters: []string{"sie_server.adapters.bert_flash"}}}
	s := New(Config{Snapshot: catalog.NewSnapshot(bundles, nil, nil), Pub: pub, RouterID: "r",
		Log: testkit.Discard()})
	t.Cleanup(s.Close)
	return s
}

func post(t *testing.T, s *Service, id string, profile string) *AppendResult {
	t.Helper()
	body := []byte("sie_id: " + id + "\nprofiles:\n  " + profile + ":\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 1\n")
	res, err := s.Append(context.Background(), body, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// A committed change whose publish failed is announced later, in order:
// by a retry of the same write, by the next write, or on reconnect.
func TestFailedPublishIsAnnouncedLater(t *testing.T) {
	pub := &flakyPublisher{}
	s := newTestService(t, pub)

	pub.set(true)
	if res := post(t, s, "a/m", "default"); len(res.Warnings) != 1 || !strings.HasPrefix(res.Warnings[0], "nats_publish_failed") {
		t.Fatalf("warnings: %v", res.Warnings)
	}
	if s.PendingDeltas() != 2 {
		t.Fatalf("pending = %d, want the bundle and _all messages", s.PendingDeltas())
	}
	pub.set(false)
	// The client retries: nothing new is created, but the change is announced.
	if res := post(t, s, "a/m", "default"); len(res.Created) != 0 || res.Epoch != 1 {
		t.Fatalf("retry: %+v", res)
	}
	want := []string{"sie.config.models.default 1", "sie.config.models._all 1"}
	if got := pub.log(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("after the retry: %v, want %v", got, want)
	}

	// Failure again; the reconnect hook sends it before anything newer.
	pub.set(true)
	post(t, s, "b/m", "default")
	pub.set(false)
	s.Republish()
	post(t, s, "c/m", "default")
	want = append(want, "sie.config.models.default 2", "sie.config.models._all 2", "sie.config.models.default 3", "sie.config.models._all 3")
	if got := pub.log(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("order: %v, want %v", got, want)
	}
	if s.PendingDeltas() != 0 {
		t.Fatal("nothing should remain queued")
	}
}
