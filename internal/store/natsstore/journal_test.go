package natsstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/testkit"
)

func change(epoch int64, id, op, text string) store.Change {
	c := store.Change{Epoch: epoch, ModelID: id, Op: op, At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), TokenID: "abc123def456"}
	if op != store.OpDelete {
		c.Text = []byte(text)
	}
	return c
}

func TestCommitIsConditionalOnThePosition(t *testing.T) {
	ctx := context.Background()
	srv := jetStream(t, "")
	a := openStore(t, srv.ClientURL(), "cas", nil)
	b := openStore(t, srv.ClientURL(), "cas", nil)
	defer a.Close()
	defer b.Close()
	gen, err := a.EnsureGeneration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g, err := b.EnsureGeneration(ctx); err != nil || g != gen {
		t.Fatalf("second replica's generation = %q, %v; want %q", g, err, gen)
	}
	l, err := a.Load(ctx)
	if err != nil || l.Epoch != 0 || l.Generation != gen || len(l.Models) != 0 {
		t.Fatalf("Load = %+v, %v", l, err)
	}
	pa, err := a.Commit(ctx, l.Pos, change(1, "org/m", store.OpCreate, "sie_id: org/m\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Commit(ctx, l.Pos, change(1, "org/x", store.OpCreate, "sie_id: org/x\n")); !errors.Is(err, store.ErrStale) {
		t.Fatalf("commit on a stale position: err = %v, want ErrStale", err)
	}
	recs, err := b.Since(ctx, l.Pos)
	if err != nil || len(recs) != 1 || recs[0].Pos != pa || recs[0].Epoch != 1 || !recs[0].HasEpoch ||
		recs[0].ModelID != "org/m" || string(recs[0].Text) != "sie_id: org/m\n" || recs[0].Op != store.OpCreate || recs[0].TokenID != "abc123def456" {
		t.Fatalf("Since = %+v, %v", recs, err)
	}
	pb, err := b.Commit(ctx, pa, change(2, "org/m", store.OpDelete, ""))
	if err != nil {
		t.Fatal(err)
	}
	if e, err := a.ReadEpoch(ctx); err != nil || e != 2 {
		t.Fatalf("ReadEpoch = %d, %v; want 2", e, err)
	}
	if _, err := a.ReadModelFile(ctx, "org__m.yaml"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted model reads %v", err)
	}
	l, err = a.Load(ctx)
	if err != nil || l.Pos != pb || l.Epoch != 2 || len(l.Models) != 0 {
		t.Fatalf("Load after delete = %+v, %v", l, err)
	}
	h, err := a.History(ctx, "org/m", 0)
	if err != nil || len(h) != 2 || h[0].Epoch != 2 || h[0].Op != store.OpDelete || h[0].RawYAML != nil ||
		h[1].Epoch != 1 || string(h[1].RawYAML) != "sie_id: org/m\n" || !h[1].At.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("History = %+v, %v", h, err)
	}
	if h, err := a.History(ctx, "org/m", 1); err != nil || len(h) != 1 || h[0].Epoch != 2 {
		t.Fatalf("History limit 1 = %+v, %v", h, err)
	}
	if h, err := a.History(ctx, "never/was", 5); err != nil || len(h) != 0 {
		t.Fatalf("History of an unknown model = %+v, %v", h, err)
	}
}

// TestConcurrentCommitsAreSerialized: writers racing on one journal, each
// re-reading after a lost race, produce gapless unique epochs.
func TestConcurrentCommitsAreSerialized(t *testing.T) {
	ctx := context.Background()
	srv := jetStream(t, "")
	const writers, each = 4, 15
	var wg sync.WaitGroup
	for w := range writers {
		s := openStore(t, srv.ClientURL(), "race", nil)
		defer s.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				for {
					l, err := s.Load(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					_, err = s.Commit(ctx, l.Pos, change(l.Epoch+1, fmt.Sprintf("w%d/m%d", w, i), store.OpCreate, "x: 1\n"))
					if err == nil {
						break
					}
					if !errors.Is(err, store.ErrStale) {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	s := openStore(t, srv.ClientURL(), "race", nil)
	defer s.Close()
	recs, err := s.Since(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		if r.Epoch != int64(i+1) {
			t.Fatalf("record %d has epoch %d", i, r.Epoch)
		}
	}
	if len(recs) != writers*each {
		t.Fatalf("%d records, want %d", len(recs), writers*each)
	}
}

// TestFollowSeesEveryRecord follows from a position and receives each
// later record once, in order, across a NATS server restart (file storage
// keeps the stream).
func TestFollowSurvivesServerRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv := jetStream(t, dir)
	port := testkit.NATSPort(srv)
	url := srv.ClientURL()
	w := openStore(t, url, "follow", nil)
	defer w.Close()
	f := openStore(t, url, "follow", nil)
	defer f.Close()
	var mu sync.Mutex
	var got []int64
	fctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Follow(fctx, 0, func(r store.Record) {
			if r.HasEpoch {
				mu.Lock()
				got = append(got, r.Epoch)
				mu.Unlock()
			}
		})
	}()
	defer func() { cancel(); <-done }()
	commit := func(epoch int64) {
		t.Helper()
		testkit.Eventually(t, 10*time.Second, "commit", func() bool {
			l, err := w.Load(ctx)
			if err != nil {
				return false
			}
			if l.Epoch >= epoch {
				return true
			}
			_, err = w.Commit(ctx, l.Pos, change(epoch, "a/b", store.OpReplace, fmt.Sprintf("n: %d\n", epoch)))
			return err == nil
		})
	}
	for e := int64(1); e <= 3; e++ {
		commit(e)
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }
	testkit.Eventually(t, 5*time.Second, "follower sees 3 records", func() bool { return count() == 3 })
	srv.Shutdown()
	srv.WaitForShutdown()
	jetStream(t, dir, func(o *natsserver.Options) { o.Port = port })
	for e := int64(4); e <= 6; e++ {
		commit(e)
	}
	testkit.Eventually(t, 15*time.Second, "follower sees 6 records", func() bool { return count() == 6 })
	mu.Lock()
	defer mu.Unlock()
	for i, e := range got {
		if e != int64(i+1) {
			t.Fatalf("follower saw %v", got)
		}
	}
	l, err := w.Load(ctx)
	if err != nil || l.Epoch != 6 || len(l.Models) != 1 || string(l.Models[0].Text) != "n: 6\n" || l.Models[0].Name != "a__b.yaml" {
		t.Fatalf("after restart Load = %+v, %v", l, err)
	}
}

func TestOpenRefusesBadLocations(t *testing.T) {
	for _, raw := range []string{"nats://a.b", "nats://b/prefix", "nats://" + string(make([]byte, 0)) + "x*y"} {
		loc, err := store.ParseLocation(raw)
		if err != nil {
			continue
		}
		if _, err := store.Open(context.Background(), raw, store.OpenOptions{}); err == nil {
			t.Errorf("%s (%+v) opened", raw, loc)
		}
	}
	t.Setenv("SIE_NATS_URL", "")
	if _, err := store.Open(context.Background(), "nats://ok", store.OpenOptions{}); err == nil {
		t.Error("nats:// without SIE_NATS_URL opened")
	}
	t.Setenv("SIE_NATS_URL", "nats://127.0.0.1:1")
	t.Setenv("SIE_CONFIG_STORE_REPLICAS", "7")
	if _, err := store.Open(context.Background(), "nats://ok", store.OpenOptions{}); err == nil {
		t.Error("replicas 7 accepted")
	}
}

// TestUnreachableNATSFailsFast: while NATS is away every operation fails at
// once (sie-config then starts serving, unready, and retries), and the
// store works as soon as the server is there.
func TestUnreachableNATSFailsFast(t *testing.T) {
	port := testkit.FreePort(t)
	s := openStore(t, fmt.Sprintf("nats://127.0.0.1:%d", port), "late", nil)
	defer s.Close()
	start := time.Now()
	if _, err := s.ReadEpoch(context.Background()); err == nil {
		t.Fatal("ReadEpoch without NATS succeeded")
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("ReadEpoch without NATS took %v", d)
	}
	jetStream(t, "", func(o *natsserver.Options) { o.Port = port })
	testkit.Eventually(t, 10*time.Second, "store usable once NATS is up", func() bool {
		_, err := s.ReadEpoch(context.Background())
		return err == nil
	})
}
