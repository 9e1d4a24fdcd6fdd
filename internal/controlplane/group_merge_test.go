package controlplane

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/store/local"
	"github.com/sieproject/sie/internal/store/natsstore"
	"github.com/sieproject/sie/internal/testkit"
)

// queueBehindLock starts one Append per id while the test holds writeMu,
// waits until all of them are queued, then releases the lock so that one
// of them commits them all as a group.
func queueBehindLock(t *testing.T, s *Service, ids []string, token string, meanwhile func()) chan outcome {
	t.Helper()
	s.writeMu.Lock()
	out := queueWriters(t, s, ids, token)
	if meanwhile != nil {
		meanwhile()
	}
	s.writeMu.Unlock()
	return out
}

// queueWriters starts one Append per id and waits until all of them are
// queued behind the write lock, which the caller holds.
func queueWriters(t *testing.T, s *Service, ids []string, token string) chan outcome {
	t.Helper()
	out := make(chan outcome, len(ids))
	for _, id := range ids {
		go func() {
			res, err := s.Append(context.Background(), body(id), WriteOptions{TokenID: token})
			o := outcome{id: id, err: err}
			if err == nil {
				o.epoch = res.Epoch
			}
			out <- o
		}()
	}
	testkit.Eventually(t, 10*time.Second, "the writers queue", func() bool {
		s.queueMu.Lock()
		defer s.queueMu.Unlock()
		return len(s.queue) == len(ids)
	})
	return out
}

func collect(t *testing.T, out chan outcome, n int) map[string]int64 {
	t.Helper()
	epochs := map[string]int64{}
	for range n {
		o := <-out
		if o.err != nil {
			t.Fatalf("%s: %v", o.id, o.err)
		}
		epochs[o.id] = o.epoch
	}
	return epochs
}

// TestGroupCommitRecordsHistory: every write of a group has its history
// entry, with its own epoch, op and token id.
func TestGroupCommitRecordsHistory(t *testing.T) {
	st, err := local.Open(filepath.Join(t.TempDir(), "store"), local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bundles := []*catalog.Bundle{{Name: "default", Priority: 10, Adapters: []string{"sie_server.adapters.bert_flash"}}}
	s := New(Config{Snapshot: catalog.NewSnapshot(bundles, nil, nil), Store: st, RouterID: "r", Log: testkit.Discard()})
	t.Cleanup(s.Close)
	ids := []string{"org/a", "org/b", "org/c", "org/d", "org/e"}
	epochs := collect(t, queueBehindLock(t, s, ids, "tok123", nil), len(ids))
	for _, id := range ids {
		_, entries, err := s.History(context.Background(), id, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Epoch != epochs[id] || entries[0].Op != store.OpCreate || entries[0].TokenID != "tok123" ||
			string(entries[0].RawYAML) != string(s.Snapshot().Exact(id).Text()) {
			t.Fatalf("%s (epoch %d): history %+v", id, epochs[id], entries)
		}
	}
}

// TestGroupOnJournalIsOneRecordPerWrite: on a journal store shared by
// replicas, the writes queued for one group are committed one by one, each
// as its own record by compare-and-set; a record another replica appended
// meanwhile makes them re-plan, so epochs stay unique and gapless.
func TestGroupOnJournalIsOneRecordPerWrite(t *testing.T) {
	srv := testkit.NATS(t, func(o *natsserver.Options) { o.JetStream, o.StoreDir = true, t.TempDir() })
	bundles := []*catalog.Bundle{{Name: "default", Priority: 10, Adapters: []string{"sie_server.adapters.bert_flash"}}}
	replica := func(name string) (*Service, *natsstore.Store) {
		loc, err := store.ParseLocation("nats://grp")
		if err != nil {
			t.Fatal(err)
		}
		st, err := natsstore.Open(loc, natsstore.Options{URL: srv.ClientURL()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		s := New(Config{Snapshot: catalog.NewSnapshot(bundles, nil, nil), Store: st, RouterID: name, Log: testkit.Discard()})
		t.Cleanup(s.Close)
		if err := s.LoadJournal(context.Background(), catalog.NewSnapshot(bundles, nil, nil)); err != nil {
			t.Fatal(err)
		}
		return s, st
	}
	a, st := replica("sie-config-a")
	b, _ := replica("sie-config-b")
	ids := []string{"org/a", "org/b", "org/c", "org/d"}
	var other int64
	epochs := collect(t, queueBehindLock(t, a, ids, "", func() {
		// Another replica wins the next position while a's group waits.
		res, err := b.Append(context.Background(), body("org/other"), WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		other = res.Epoch
	}), len(ids))
	got := []int64{other}
	for _, id := range ids {
		got = append(got, epochs[id])
	}
	slices.Sort(got)
	if fmt.Sprint(got) != "[1 2 3 4 5]" {
		t.Fatalf("epochs %v (other replica %d, group %v), want 1..5", got, other, epochs)
	}
	recs, err := st.Since(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	byEpoch := map[int64]string{}
	for _, r := range recs {
		if r.ModelID != "" {
			byEpoch[r.Epoch] = r.ModelID
		}
	}
	if len(byEpoch) != 5 || byEpoch[other] != "org/other" {
		t.Fatalf("journal records by epoch: %v", byEpoch)
	}
	for _, id := range ids {
		if byEpoch[epochs[id]] != id {
			t.Fatalf("journal records by epoch: %v; %s answered epoch %d", byEpoch, id, epochs[id])
		}
	}
	// The replica that lost the race applied the winner's record too.
	if a.Epoch() != 5 || a.Snapshot().Exact("org/other") == nil {
		t.Fatalf("replica a: epoch %d, org/other present %v", a.Epoch(), a.Snapshot().Exact("org/other") != nil)
	}
}
