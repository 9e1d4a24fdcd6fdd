package faulttest

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

// TestNATSOutage stops NATS in the middle of a write storm and restarts it
// on the same port while the storm goes on. Writes acknowledged before and
// after are kept; while sie-config is disconnected every write answers 503
// nats_unavailable (idempotent retries included) and leaves no trace; after
// recovery the gateways converge on the export within one poll interval
// of the last write, and none applies a delta twice.
func TestNATSOutage(t *testing.T) {
	p := loadParams(t)
	seed := runSeed(t)
	rng := rand.New(rand.NewPCG(seed, 2))
	ns := startNATS(t, 0)
	w := newWorld(t, "outage", 2, 6)
	srv := startConfigInProc(t, configOptions{CatalogDir: w.catalog, StoreDir: t.TempDir(), NATSURL: ns.URL()})
	base := srv.URL()
	waitNATSConnected(t, base, true)
	var gws []*testGateway
	for _, name := range []string{"gw-a", "gw-b", "gw-c"} {
		gws = append(gws, startGateway(t, gatewayOptions{Name: name, ConfigURL: base, NATSURL: ns.URL(), Poll: p.Poll}))
	}
	fleet := startWorkers(t, w.catalog, "default", ns.URL(), 1)
	waitConverged(t, base, gws, 20*time.Second)
	applied0 := marks(gws)

	var natsStart, reconnect, converge durations
	for outage := range p.Outages {
		o := runOutage(t, p, w, base, ns, rng.Uint64(), fmt.Sprintf("outage-%d-%d", seed, outage))
		natsStart = append(natsStart, o.natsStart)
		reconnect = append(reconnect, o.reconnect)
		want := w.acknowledged()
		converge = append(converge, waitConvergedTo(t, want, gws, time.Now(), p.Poll+p.ConvergeBudget)...)
		checkExport(t, base, want)
	}
	checkApplied(t, gws, applied0)
	applied := workerState(t, fleet.URLs()[0]).Applied
	acked, changes, _, _ := w.led.counts()
	if applied > changes {
		t.Errorf("worker applied %d deltas for %d changes: something was applied twice", applied, changes)
	}
	report(t, map[string]any{
		"outages": p.Outages, "acknowledged": acked, "acknowledged_changes": changes,
		"refused_503": w.led.refusals(), "acknowledged_with_publish_warning": w.led.warnings(), "worker_deltas_applied": applied,
		"nats_restart": natsStart.summary(), "sie_config_reconnect": reconnect.summary(),
		"gateway_resyncs": resyncCounts(gws...), "gateway_convergence_after_writes": converge.summary(),
		"poll_interval_ms": p.Poll.Milliseconds(),
	})
}

type outageFigures struct{ natsStart, reconnect time.Duration }

// runOutage runs one storm across one NATS outage.
func runOutage(t *testing.T, p params, w *world, base string, ns *natsHarness, seed uint64, key string) outageFigures {
	t.Helper()
	var (
		mu      sync.Mutex
		refused = map[int]bool{}
		armed   bool
	)
	stop := make(chan struct{})
	stopStorm := sync.OnceFunc(func() { close(stop) })
	defer stopStorm()
	done := make(chan []*write, 1)
	go func() {
		done <- runStorm(w, base, 100*p.OutageWrites, seed, stormOptions{Refusable: true, Stop: stop,
			Refused: func(i int) {
				mu.Lock()
				if armed {
					refused[i] = true
				}
				mu.Unlock()
			}})
	}()
	ackedBy := func(n int) func() (bool, string) {
		return func() (bool, string) { return w.led.ackCount() >= n, fmt.Sprint(w.led.ackCount(), " acknowledged") }
	}
	testkit.Eventually(t, 20*time.Second, "writes before the outage", ackedBy(w.led.ackCount()+p.OutageWrites))

	ns.Stop()
	waitNATSConnected(t, base, false)
	mu.Lock()
	armed = true
	mu.Unlock()
	// Once every writer has been refused, no write from before the outage
	// is still in flight: from here on the state must not move.
	testkit.Eventually(t, 20*time.Second, "every writer refused", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return len(refused) == len(w.owned), fmt.Sprint(len(refused), " writers refused")
	})
	before := fetchExport(t, base)
	r0 := w.led.refusals()
	testkit.Eventually(t, 20*time.Second, "refusals during the outage", func() (bool, string) {
		return w.led.refusals() >= r0+p.OutageWrites, fmt.Sprint(w.led.refusals()-r0, " refused")
	})
	idem := newModelState("outage/idem-"+key, nil, false)
	idemWrite := planCreate(idem)
	if code, body := idempotentPost(t, base, idemWrite, key); code != 503 || errorCode(body) != "nats_unavailable" {
		t.Fatalf("idempotent POST during the outage: %d %s, want 503 nats_unavailable", code, body)
	}
	if after := fetchExport(t, base); after.Epoch != before.Epoch || after.Models.digest() != before.Models.digest() {
		t.Fatalf("refused writes left a trace: epoch %d → %d; %s", before.Epoch, after.Epoch, after.Models.diff(before.Models))
	}

	var f outageFigures
	start := time.Now()
	ns.Start()
	f.natsStart = time.Since(start)
	start = time.Now()
	waitNATSConnected(t, base, true)
	f.reconnect = time.Since(start)
	// The retry of the refused request executes: errors are never cached.
	code, body := idempotentPost(t, base, idemWrite, key)
	if !w.led.record(idemWrite, code, body) {
		t.Fatalf("idempotent retry after recovery: %d %s", code, body)
	}
	idemWrite.commit()
	if code2, body2 := idempotentPost(t, base, idemWrite, key); code2 != code || string(body2) != string(body) {
		t.Errorf("idempotent replay: %d %s, want the cached %d %s", code2, body2, code, body)
	}
	// The storm goes on, racing the gateways' own reconnects: a gateway
	// that misses deltas must catch up by gap or poll.
	testkit.Eventually(t, 20*time.Second, "writes after the outage", ackedBy(w.led.ackCount()+p.OutageWrites))
	stopStorm()
	if doubtful := <-done; len(doubtful) > 0 {
		t.Fatalf("%d writes failed in transport: first %s", len(doubtful), doubtful[0])
	}
	for _, pr := range w.led.Problems() {
		t.Fatal(pr)
	}
	w.owned[0] = append(w.owned[0], idem)
	return f
}

// mustStorm runs writes that must all be acknowledged.
func mustStorm(t *testing.T, w *world, base string, n int, seed uint64) {
	t.Helper()
	if doubtful := runStorm(w, base, n, seed, stormOptions{}); len(doubtful) > 0 {
		t.Fatalf("%d writes failed in transport: first %s", len(doubtful), doubtful[0])
	}
	for _, pr := range w.led.Problems() {
		t.Fatal(pr)
	}
}

// mustWrite sends one write that must be acknowledged as planned.
func mustWrite(t *testing.T, w *world, base string, wr *write) {
	t.Helper()
	code, body := mustDo(t, base, wr.method, wr.path, wr.body)
	if !w.led.record(wr, code, body) {
		t.Fatalf("%s: %d %s", wr, code, body)
	}
	wr.commit()
}

func idempotentPost(t *testing.T, base string, wr *write, key string) (int, []byte) {
	t.Helper()
	code, body, err := httpDo(base, wr.method, wr.path, wr.body, "Idempotency-Key", key)
	if err != nil {
		t.Fatal(err)
	}
	return code, body
}
