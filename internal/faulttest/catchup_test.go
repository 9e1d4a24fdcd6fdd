package faulttest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/workersim"
)

// catchUpFleet is a fleet of one bundle whose workers catch up from
// sie-config (extensions E3) and lose a share of their deltas.
type catchUpFleet struct {
	bundle string
	fleet  *workersim.Fleet
}

func startCatchUpFleet(t testing.TB, catalogDir, bundle, natsURL, configURL string, count int, poll time.Duration, loss float64) *catchUpFleet {
	t.Helper()
	f := startFleet(t, catalogDir, bundle, natsURL, count, func(cfg *workersim.Config) {
		cfg.ConfigURL = configURL
		cfg.ConfigPoll, cfg.ConfigFullSync = poll, time.Hour // only the poll may repair a loss
		cfg.DropFraction = loss
	})
	return &catchUpFleet{bundle: bundle, fleet: f}
}

// workersConverged reports whether every worker's hash is the gateway's
// expected hash for its bundle at the gateway's epoch want.
func workersConverged(g *testGateway, want uint64, fleets []*catchUpFleet) (bool, string) {
	st := g.srv.Mirror().Snapshot()
	if st.Epoch() != want {
		return false, fmt.Sprintf("gateway at epoch %d, want %d", st.Epoch(), want)
	}
	var behind []string
	for _, f := range fleets {
		expected := st.ExpectedHash(f.bundle)
		for _, w := range f.fleet.Workers() {
			if w.Hash() != expected {
				behind = append(behind, w.Name())
			}
		}
	}
	return len(behind) == 0, "behind: " + strings.Join(behind, ", ")
}

// TestWorkerLossWithCatchUp: every simulated worker loses a share of its
// deltas (SIE_FAULT_LOSS_PERCENT, 10 % by default) during write storms.
// With catch-up, every worker converges on the gateway's expected hash
// within one poll interval of the last write, with no manual step; a lost
// final delta (only the poll can reveal it) too.
func TestWorkerLossWithCatchUp(t *testing.T) {
	p := loadParams(t)
	seed := runSeed(t)
	rng := rand.New(rand.NewPCG(seed, 7))
	ns := startNATS(t, 0)
	w := newWorld(t, "wloss", p.Writers, 6)
	srv := startConfigInProc(t, configOptions{CatalogDir: w.catalog, StoreDir: t.TempDir(), NATSURL: ns.URL()})
	base := srv.URL()
	waitNATSConnected(t, base, true)
	loss := float64(p.LossPercent) / 100
	var fleets []*catchUpFleet
	for _, b := range []string{"default", "sglang", "transformers5"} {
		fleets = append(fleets, startCatchUpFleet(t, w.catalog, b, ns.URL(), base, 2, p.Poll, loss))
	}
	g := startGateway(t, gatewayOptions{Name: "gw", ConfigURL: base, NATSURL: ns.URL(), Poll: p.Poll})
	waitConverged(t, base, []*testGateway{g}, 20*time.Second)

	var conv durations
	for range max(1, p.LossWrites/lossRoundWrites) {
		mustStorm(t, w, base, lossRoundWrites, rng.Uint64())
		want := w.acknowledged()
		end := time.Now()
		waitConvergedTo(t, want, []*testGateway{g}, end, p.Poll+p.ConvergeBudget)
		testkit.Eventually(t, p.Poll+p.ConvergeBudget-time.Since(end), "workers converge with catch-up", func() (bool, string) {
			return workersConverged(g, want.Epoch, fleets)
		})
		conv = append(conv, time.Since(end))
	}

	// Tail loss: every worker loses the last delta; only its poll sees the
	// new epoch.
	for _, f := range fleets {
		for _, u := range f.fleet.URLs() {
			if code, body, err := httpDo(u, http.MethodPost, "/sim/faults", []byte(`{"drop_deltas": 1}`)); err != nil || code != 200 {
				t.Fatalf("fault: %d %s %v", code, body, err)
			}
		}
	}
	mustWrite(t, w, base, planPut(w.owned[0][0], rng))
	end := time.Now()
	want := w.acknowledged()
	waitConvergedTo(t, want, []*testGateway{g}, end, 5*time.Second)
	testkit.Eventually(t, p.Poll+p.ConvergeBudget, "workers recover a lost tail delta by polling", func() (bool, string) {
		return workersConverged(g, want.Epoch, fleets)
	})
	tail := time.Since(end)

	var received, dropped, reconciles int
	for _, f := range fleets {
		for _, u := range f.fleet.URLs() {
			st := workerState(t, u)
			received += st.Received
			dropped += st.Dropped
			reconciles += st.Reconciles
		}
	}
	if dropped == 0 && p.LossPercent > 0 {
		t.Error("the workers dropped nothing")
	}
	acked, changes, _, _ := w.led.counts()
	report(t, map[string]any{
		"writes": p.LossWrites, "acknowledged": acked, "acknowledged_changes": changes, "loss_percent": p.LossPercent,
		"workers": 6, "worker_deltas_received": received, "worker_deltas_dropped": dropped, "worker_reconciles": reconciles,
		"worker_convergence": conv.summary(), "worker_tail_loss_convergence_ms": tail.Milliseconds(),
		"poll_interval_ms": p.Poll.Milliseconds(),
	})
}
