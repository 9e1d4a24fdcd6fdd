package controlplane

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/store/local"
	"github.com/sieproject/sie/internal/testkit"
)

func TestWriteLockOrDone(t *testing.T) {
	l := newWriteLock()
	if !l.lockOrDone(make(chan struct{})) {
		t.Fatal("a free lock was not taken")
	}
	closed := make(chan struct{})
	close(closed)
	if l.lockOrDone(closed) {
		t.Fatal("took a held lock")
	}
	done := make(chan struct{})
	got := make(chan bool)
	go func() { got <- l.lockOrDone(done) }()
	close(done)
	if <-got {
		t.Fatal("took a held lock after done")
	}
	l.Unlock()
	go func() { got <- l.lockOrDone(make(chan struct{})) }()
	if !<-got {
		t.Fatal("the released lock was not taken")
	}
}

// TestCommittedWritersReturnWithoutTheLock: once a group commit has decided
// its writes, their writers answer at once, even while the lock stays held
// (by the next group's commit in real life; here by the test).
func TestCommittedWritersReturnWithoutTheLock(t *testing.T) {
	st, err := local.Open(filepath.Join(t.TempDir(), "store"), local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bundles := []*catalog.Bundle{{Name: "default", Priority: 10, Adapters: []string{"sie_server.adapters.bert_flash"}}}
	s := New(Config{Snapshot: catalog.NewSnapshot(bundles, nil, nil), Store: st, RouterID: "r", Log: testkit.Discard()})
	t.Cleanup(s.Close)
	ids := []string{"org/a", "org/b", "org/c"}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	out := queueWriters(t, s, ids, "")
	s.commitGroup() // as the holder of writeMu
	for range ids {
		select {
		case o := <-out:
			if o.err != nil || o.epoch < 1 || o.epoch > int64(len(ids)) {
				t.Fatalf("%s: epoch %d, %v", o.id, o.epoch, o.err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a committed writer is still waiting for the lock")
		}
	}
}
