package faulttest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/workersim"
)

// TestNATSOutage stops NATS during the write traffic and restarts it on the
// same port. During the outage every write answers 503 nats_unavailable
// (replays and idempotent retries included) and leaves no trace; after
// recovery writes resume, the gateways converge on the export within one
// poll interval of the last write, and no gateway applies a delta twice.
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

	var refused, idemRetries int
	var natsStart, reconnect, converge durations
	for outage := range p.Outages {
		mustStorm(t, w, base, p.OutageWrites, rng.Uint64())

		ns.Stop()
		waitNATSConnected(t, base, false)
		before := fetchExport(t, base)
		refused += refuseDuringOutage(t, w, base, rng, p.OutageWrites)
		idem := newModelState(fmt.Sprintf("outage/idem-%d", outage), nil, false)
		idemWrite := planCreate(idem)
		key := fmt.Sprintf("outage-%d-%d", seed, outage)
		if code, body := idempotentPost(t, base, idemWrite, key); code != 503 || errorCode(body) != "nats_unavailable" {
			t.Fatalf("idempotent POST during the outage: %d %s, want 503 nats_unavailable", code, body)
		}
		if after := fetchExport(t, base); after.Epoch != before.Epoch || after.Models.digest() != before.Models.digest() {
			t.Fatalf("refused writes left a trace: epoch %d → %d; %s", before.Epoch, after.Epoch, after.Models.diff(before.Models))
		}

		restarted := time.Now()
		ns.Start()
		natsStart = append(natsStart, time.Since(restarted))
		restarted = time.Now()
		waitNATSConnected(t, base, true)
		reconnect = append(reconnect, time.Since(restarted))
		// The retry of the refused request executes: errors are never cached.
		code, body := idempotentPost(t, base, idemWrite, key)
		if !w.led.record(idemWrite, code, body) {
			t.Fatalf("idempotent retry after recovery: %d %s", code, body)
		}
		idemWrite.commit()
		if code2, body2 := idempotentPost(t, base, idemWrite, key); code2 != code || string(body2) != string(body) {
			t.Errorf("idempotent replay: %d %s, want the cached %d %s", code2, body2, code, body)
		}
		w.owned[0] = append(w.owned[0], idem)
		idemRetries++
		// Writes resume at once, racing the gateways' own reconnects: a
		// gateway that misses deltas must catch up by gap or poll.
		mustStorm(t, w, base, p.OutageWrites, rng.Uint64())
		want := w.acknowledged()
		converge = append(converge, waitConvergedTo(t, want, gws, time.Now(), p.Poll+p.ConvergeBudget)...)
		checkExport(t, base, want)
	}
	checkApplied(t, gws, applied0)
	applied := workerApplied(t, fleet)
	acked, changes, _, _ := w.led.counts()
	if applied > changes {
		t.Errorf("worker applied %d deltas for %d changes: something was applied twice", applied, changes)
	}
	report(t, map[string]any{
		"outages": p.Outages, "acknowledged": acked, "acknowledged_changes": changes,
		"refused_503": refused, "idempotent_retries_executed": idemRetries, "worker_deltas_applied": applied,
		"nats_restart": natsStart.summary(), "sie_config_reconnect": reconnect.summary(),
		"gateway_resyncs": resyncCounts(gws...), "gateway_convergence_after_writes": converge.summary(),
		"poll_interval_ms": p.Poll.Milliseconds(),
	})
}

// mustStorm runs writes that must all be acknowledged.
func mustStorm(t *testing.T, w *world, base string, n int, seed uint64) {
	t.Helper()
	if doubtful := runStorm(w, base, n, seed, nil); len(doubtful) > 0 {
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

// refuseDuringOutage sends n random valid writes while NATS is down; each
// must be refused with 503 nats_unavailable and is not committed.
func refuseDuringOutage(t *testing.T, w *world, base string, rng *rand.Rand, n int) int {
	t.Helper()
	models := w.models()
	for range n {
		wr := planWrite(models[rng.IntN(len(models))], rng)
		code, body := mustDo(t, base, wr.method, wr.path, wr.body)
		if code != 503 || errorCode(body) != "nats_unavailable" {
			t.Fatalf("%s during the NATS outage: %d %s, want 503 nats_unavailable", wr, code, body)
		}
	}
	return n
}

func idempotentPost(t *testing.T, base string, wr *write, key string) (int, []byte) {
	t.Helper()
	code, body, err := httpDo(base, wr.method, wr.path, wr.body, "Idempotency-Key", key)
	if err != nil {
		t.Fatal(err)
	}
	return code, body
}

// workerApplied sums deltas_applied over the fleet's /sim/state.
func workerApplied(t *testing.T, f *workersim.Fleet) int {
	t.Helper()
	total := 0
	for _, u := range f.URLs() {
		code, body := mustDo(t, u, "GET", "/sim/state", nil)
		var st struct {
			Applied int `json:"deltas_applied"`
		}
		if code != 200 || json.Unmarshal(body, &st) != nil {
			t.Fatalf("GET %s/sim/state: %d %s", u, code, body)
		}
		total += st.Applied
	}
	return total
}
