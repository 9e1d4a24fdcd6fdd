package faulttest

// The adversarial suite, part 1: trust. Each test is an attack the review
// reproduced against the running binaries, and asserts the bound that now
// holds.

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/natsauth"
	"github.com/sieproject/sie/internal/testkit"
)

// TestAdvForgedDeltaFromNonWriter: on a NATS run with the permission matrix,
// a client logged in as a gateway (or a worker) publishes a forged delta at
// L+1 with the trusted router_id and the right generation. The server
// refuses it; the admin's next real write, which gets that same epoch, is
// applied (it used to be dropped as a duplicate of the forgery, for good).
func TestAdvForgedDeltaFromNonWriter(t *testing.T) {
	p := loadParams(t)
	users, err := natsauth.NewDeployment([]string{"default"})
	if err != nil {
		t.Fatal(err)
	}
	ns := startNATSUsers(t, 0, users.Users)
	w := newWorld(t, "forged", 1, 2)
	cfg := startConfigInProc(t, configOptions{CatalogDir: w.catalog, NATSURL: ns.URL(), Creds: users.Config})
	base := cfg.URL()
	waitNATSConnected(t, base, true)
	gw := startGateway(t, gatewayOptions{Name: "gw", ConfigURL: base, NATSURL: ns.URL(), Poll: time.Hour, Creds: users.Gateway})
	testkit.Eventually(t, 20*time.Second, "gateway on NATS", func() (bool, string) { return gw.Connected(), "" })
	mustWrite(t, w, base, planCreate(w.owned[0][0]))
	waitConverged(t, base, []*testGateway{gw}, 10*time.Second)
	before := fetchExport(t, base)

	forged := deltaPayload("sie-config-0", before.Epoch+1, "BAAI/bge-m3",
		"sie_id: BAAI/bge-m3\nhf_id: evil/weights\n"+validProfile)
	refusals := 0
	for _, c := range []bus.Credentials{users.Gateway, users.Workers["default"]} {
		errs := make(chan error, 4)
		nc, err := nats.Connect(ns.URL(), nats.UserInfo(c.User, c.Password),
			nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
		if err != nil {
			t.Fatal(err)
		}
		msg := nats.NewMsg(bus.SubjectAll)
		msg.Data = forged
		msg.Header.Set(bus.GenerationHeader, generationOf(t, base))
		if err := nc.PublishMsg(msg); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-errs:
			if !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
				t.Fatalf("%s: %v", c.User, err)
			}
			refusals++
		case <-time.After(5 * time.Second):
			t.Fatalf("%s published a delta: the server did not refuse it", c.User)
		}
		nc.Close()
	}
	// The real write takes the epoch the forgery claimed, and is applied.
	start := time.Now()
	mustWrite(t, w, base, planCreate(w.owned[0][1]))
	after := fetchExport(t, base)
	if after.Epoch != before.Epoch+1 {
		t.Fatalf("epoch %d, want %d", after.Epoch, before.Epoch+1)
	}
	took := waitConvergedTo(t, after, []*testGateway{gw}, start, p.ConvergeBudget)
	if n := gw.deltaCounts()["duplicate"]; n != 0 {
		t.Errorf("%d real deltas dropped as duplicates", n)
	}
	report(t, map[string]any{"forged_refused": refusals, "real_write_converged_ms": took.summary()["max_ms"]})
}

// TestAdvStrangerGeneration: a trusted delta at L+1 from another
// generation of sie-config is never applied; it forces a resync at once,
// after which the gateway holds sie-config's export.
func TestAdvStrangerGeneration(t *testing.T) {
	ns := startNATS(t, 0)
	w := newWorld(t, "stranger", 1, 1)
	cfg := startConfigInProc(t, configOptions{CatalogDir: w.catalog, NATSURL: ns.URL()})
	base := cfg.URL()
	waitNATSConnected(t, base, true)
	gw := startGateway(t, gatewayOptions{Name: "gw", ConfigURL: base, NATSURL: ns.URL(), Poll: time.Hour})
	testkit.Eventually(t, 20*time.Second, "gateway on NATS", func() (bool, string) { return gw.Connected(), "" })
	mustWrite(t, w, base, planCreate(w.owned[0][0]))
	want := fetchExport(t, base)
	waitConvergedTo(t, want, []*testGateway{gw}, time.Now(), 10*time.Second)
	resyncs := resyncCounts(gw)["generation"]

	pub := publisher(t, ns.URL())
	msg := nats.NewMsg(bus.SubjectAll)
	msg.Data = deltaPayload("sie-config-0", want.Epoch+1, "BAAI/bge-m3", "sie_id: BAAI/bge-m3\nhf_id: evil/weights\n"+validProfile)
	msg.Header.Set(bus.GenerationHeader, strings.Repeat("f", 32))
	start := time.Now()
	if err := pub.PublishMsg(msg); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, "the stranger delta is counted and a resync done", func() (bool, string) {
		return gw.deltaCounts()["other_generation"] == 1 && resyncCounts(gw)["generation"] > resyncs, ""
	})
	took := time.Since(start)
	waitConvergedTo(t, want, []*testGateway{gw}, start, 5*time.Second)
	report(t, map[string]any{"stranger_to_resync_ms": took.Milliseconds()})
}

// TestAdvRewindConvergesWithinOnePoll: sie-config without a store restarts
// at epoch 0 and writes bring it back to the gateway's epoch before any
// poll. The gateway used to keep the old documents for good (equal epochs).
// Now the new generation is drift: with every delta lost, the next poll
// resyncs; with deltas, the first one does.
func TestAdvRewindConvergesWithinOnePoll(t *testing.T) {
	p := loadParams(t)
	ns := startNATS(t, 0)
	w := newWorld(t, "rewind", 1, 3)
	port := testkit.FreePort(t)
	o := configOptions{CatalogDir: w.catalog, NATSURL: ns.URL()}
	cfg := startConfigInProcOn(t, o, port)
	base := cfg.URL()
	waitNATSConnected(t, base, true)
	var dropAll atomic.Bool
	lossy := startGateway(t, gatewayOptions{Name: "gw-poll-only", ConfigURL: base, NATSURL: ns.URL(), Poll: p.Poll,
		Keep: func([]byte) bool { return !dropAll.Load() }})
	live := startGateway(t, gatewayOptions{Name: "gw-deltas", ConfigURL: base, NATSURL: ns.URL(), Poll: time.Hour})
	gws := []*testGateway{lossy, live}
	testkit.Eventually(t, 20*time.Second, "gateways on NATS", func() (bool, string) { return allConnected(gws), "" })
	var mine []*modelState // API-only models (writer 0 also owns seeds)
	for _, m := range w.owned[0] {
		if m.seed == nil {
			mine = append(mine, m)
			mustWrite(t, w, base, planCreate(m))
		}
	}
	first := fetchExport(t, base)
	waitConvergedTo(t, first, gws, time.Now(), 10*time.Second)

	// The restart: same address and router id, no store, a new generation.
	dropAll.Store(true)
	stopConfigInProc(t, cfg)
	startConfigInProcOn(t, o, port) // stopped by its cleanup
	waitNATSConnected(t, base, true)
	// Other documents under the same ids, written back up to the same epoch.
	for _, m := range mine {
		m.cur, m.hasAPI = nil, false // a fresh profile number makes another document
		mustWrite(t, w, base, planCreate(m))
	}
	second := fetchExport(t, base)
	if second.Epoch != first.Epoch || second.Models.digest() == first.Models.digest() {
		t.Fatalf("the scenario needs equal epochs and other documents: %d/%d", first.Epoch, second.Epoch)
	}
	start := time.Now()
	took := waitConvergedTo(t, second, gws, start, p.Poll+p.ConvergeBudget)
	// One poll sees the new generation; the second interval is slack for a
	// loaded machine (the resync itself is milliseconds), far below any
	// other repair path (there is none without deltas).
	if took[0] > 2*p.Poll+time.Second {
		t.Errorf("the poll-only gateway took %s, more than one poll interval (%s) and its slack", took[0], p.Poll)
	}
	report(t, map[string]any{"poll_ms": p.Poll.Milliseconds(), "poll_only_converged": took[0].String(), "with_deltas_converged": took[1].String()})
}
