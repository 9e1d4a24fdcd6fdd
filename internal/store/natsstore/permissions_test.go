package natsstore_test

import (
	"context"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/store/natsstore"
)

// TestLeastPrivilege: a NATS user with exactly bus.ConfigStorePermission
// (what the Helm chart grants sie-config) can create, write, read, follow
// and list the history of its store, and cannot touch another bucket's.
func TestLeastPrivilege(t *testing.T) {
	perm := bus.ConfigStorePermission("granted")
	srv := jetStream(t, "", func(o *natsserver.Options) {
		o.Users = []*natsserver.User{
			{Username: "cfg", Password: "pw", Permissions: &natsserver.Permissions{
				Publish:   &natsserver.SubjectPermission{Allow: perm.Publish},
				Subscribe: &natsserver.SubjectPermission{Allow: perm.Subscribe},
			}},
		}
	})
	url := "nats://cfg:pw@" + srv.Addr().String()
	ctx := context.Background()
	open := func(bucket string) *natsstore.Store {
		loc, err := store.ParseLocation("nats://" + bucket)
		if err != nil {
			t.Fatal(err)
		}
		s, err := natsstore.Open(loc, natsstore.Options{URL: url, OpTimeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	s := open("granted")
	if _, err := s.EnsureGeneration(ctx); err != nil {
		t.Fatal(err)
	}
	l, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pos, err := s.Commit(ctx, l.Pos, change(1, "a/b", store.OpCreate, "sie_id: a/b\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Since(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if h, err := s.History(ctx, "a/b", 0); err != nil || len(h) != 1 {
		t.Fatalf("History = %v, %v", h, err)
	}
	if _, err := s.ReadModelFile(ctx, "a__b.yaml"); err != nil {
		t.Fatal(err)
	}
	got := make(chan int64, 4)
	fctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Follow(fctx, pos-1, func(r store.Record) { got <- r.Epoch })
	}()
	select {
	case e := <-got:
		if e != 1 {
			t.Fatalf("followed epoch %d", e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Follow delivered nothing under the granted permissions")
	}
	cancel()
	<-done
	if err := open("other").Ping(ctx); err == nil {
		t.Fatal("the user reached another bucket's stream")
	}
}
