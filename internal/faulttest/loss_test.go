package faulttest

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

// lossRoundWrites is the size of a message-loss round; each round is
// followed by a convergence measurement.
const lossRoundWrites = 40

// TestMessageLoss drops a share of the deltas one gateway receives (the
// gateway's own DeltaFilter hook, as if NATS had lost them) during write
// storms. Every gateway must converge on the export, the lossy one by gap
// detection or, when the last delta of a round is lost, by its poller
// within one poll interval; no gateway applies a delta twice.
func TestMessageLoss(t *testing.T) {
	p := loadParams(t)
	seed := runSeed(t)
	rng := rand.New(rand.NewPCG(seed, 3))
	ns := startNATS(t, 0)
	w := newWorld(t, "loss", p.Writers, 6)
	srv := startConfigInProc(t, configOptions{CatalogDir: w.catalog, StoreDir: t.TempDir(), NATSURL: ns.URL()})
	base := srv.URL()
	waitNATSConnected(t, base, true)

	var (
		dropMu  sync.Mutex
		dropAll bool
	)
	dropRNG := rand.New(rand.NewPCG(seed, 4))
	lossy := startGateway(t, gatewayOptions{Name: "gw-lossy", ConfigURL: base, NATSURL: ns.URL(), Poll: p.Poll,
		Keep: func([]byte) bool {
			dropMu.Lock()
			defer dropMu.Unlock()
			return !dropAll && dropRNG.IntN(100) >= p.LossPercent
		}})
	clean := []*testGateway{
		startGateway(t, gatewayOptions{Name: "gw-a", ConfigURL: base, NATSURL: ns.URL(), Poll: p.Poll}),
		startGateway(t, gatewayOptions{Name: "gw-b", ConfigURL: base, NATSURL: ns.URL(), Poll: p.Poll}),
	}
	gws := append([]*testGateway{lossy}, clean...)
	waitConverged(t, base, gws, 20*time.Second)
	applied0 := marks(gws)
	testkit.Eventually(t, 20*time.Second, "gateways subscribed", func() (bool, string) {
		return ns.Subscriptions() >= uint32(len(gws)) && allConnected(gws), ""
	})

	var lossyConv, cleanConv durations
	for range max(1, p.LossWrites/lossRoundWrites) {
		mustStorm(t, w, base, lossRoundWrites, rng.Uint64())
		want := w.acknowledged()
		took := waitConvergedTo(t, want, gws, time.Now(), p.Poll+p.ConvergeBudget)
		lossyConv = append(lossyConv, took[0])
		cleanConv = append(cleanConv, took[1:]...)
		checkExport(t, base, want)
	}
	// Tail loss: the last deltas are lost, so no later delta reveals the
	// gap and only the poller can notice.
	dropMu.Lock()
	dropAll = true
	dropMu.Unlock()
	mustWrite(t, w, base, planPut(w.owned[0][0], rng))
	start := time.Now()
	want := w.acknowledged()
	waitConvergedTo(t, want, clean, start, 5*time.Second)
	dropMu.Lock()
	dropAll = false
	dropMu.Unlock()
	testkit.Eventually(t, p.Poll+p.ConvergeBudget, "gw-lossy recovers a lost tail delta by polling",
		func() (bool, string) { return lossy.convergedTo(want) })
	tailConv := time.Since(start)

	checkApplied(t, gws, applied0)
	if lossy.dropped.Load() == 0 && p.LossPercent > 0 {
		t.Errorf("the lossy gateway dropped nothing")
	}
	acked, changes, _, _ := w.led.counts()
	report(t, map[string]any{
		"writes": p.LossWrites, "acknowledged": acked, "acknowledged_changes": changes,
		"loss_percent": p.LossPercent, "lossy_received": lossy.received.Load(), "lossy_dropped": lossy.dropped.Load(),
		"lossy_resyncs": resyncCounts(lossy), "lossy_deltas": lossy.deltaCounts(),
		"clean_resyncs":     resyncCounts(clean...),
		"lossy_convergence": lossyConv.summary(), "lossy_tail_loss_convergence_ms": tailConv.Milliseconds(), "clean_convergence": cleanConv.summary(),
		"poll_interval_ms": p.Poll.Milliseconds(),
	})
}
