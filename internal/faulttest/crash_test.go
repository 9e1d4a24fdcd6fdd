package faulttest

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestCrashConsistency kills sie-config with SIGKILL at a random moment of
// each write storm and restarts it with SIE_CONFIG_RESTORE=true on the same
// local store. After every restart: every acknowledged write is present and
// equal, no temp file remains, the epoch has not gone backwards and counts
// every acknowledged change, and the gateways converge on the export.
func TestCrashConsistency(t *testing.T) {
	p := loadParams(t)
	rng := rand.New(rand.NewPCG(runSeed(t), 1))
	ns := startNATS(t, 0)
	w := newWorld(t, "crash", p.Writers, 6)
	store := t.TempDir()
	proc := newConfigProc(t, configOptions{CatalogDir: w.catalog, StoreDir: store, Restore: true, NATSURL: ns.URL()})
	proc.Start()
	waitNATSConnected(t, proc.URL(), true)
	gws := []*testGateway{
		startGateway(t, gatewayOptions{Name: "gw-a", ConfigURL: proc.URL(), NATSURL: ns.URL(), Poll: p.Poll}),
		startGateway(t, gatewayOptions{Name: "gw-b", ConfigURL: proc.URL(), NATSURL: ns.URL(), Poll: p.Poll}),
	}
	all := []converger{gws[0], gws[1], startGatewayProc(t, "gw-bin", proc.URL(), ns.URL(), p.Poll)}
	waitConverged(t, proc.URL(), all, 20*time.Second)
	applied0 := marks(gws)

	var (
		restarts, converge      durations
		tempsSeen, doubtApplied int
		epoch                   uint64
	)
	for cycle := range p.Cycles {
		killAt := int64(1 + rng.IntN(p.Writes-1))
		jitter := time.Duration(rng.IntN(3000)) * time.Microsecond
		var answered atomic.Int64
		fire := make(chan struct{})
		var fireOnce sync.Once
		killed := make(chan struct{})
		go func() {
			defer close(killed)
			<-fire
			time.Sleep(jitter) // the fault's timing, not a wait for a condition
			proc.Signal()
		}()
		doubtful := runStorm(w, proc.URL(), p.Writes, rng.Uint64(), stormOptions{Progress: func() {
			if answered.Add(1) == killAt {
				fireOnce.Do(func() { close(fire) })
			}
		}})
		fireOnce.Do(func() { close(fire) })
		<-killed
		proc.Kill()
		tempsSeen += len(tempFiles(t, store))

		start := time.Now()
		proc.Start()
		waitNATSConnected(t, proc.URL(), true)
		restarts = append(restarts, time.Since(start))

		if left := tempFiles(t, store); len(left) > 0 {
			t.Errorf("cycle %d: temp files left after restart: %v", cycle, left)
		}
		epoch = checkEpoch(t, w.led, proc.URL(), store, cycle)
		doubtApplied += w.reconcile(t, proc.URL(), doubtful)
		converge = append(converge, waitConvergedTo(t, fetchExport(t, proc.URL()), all, start, p.Poll+p.ConvergeBudget)...)
		checkApplied(t, gws, applied0)
		for _, g := range all {
			for _, issue := range g.epochIssues() {
				t.Error(issue)
			}
		}
		for _, pr := range w.led.Problems() {
			t.Error(pr)
		}
		if t.Failed() {
			t.Fatalf("cycle %d failed; sie-config logs:\n%s", cycle, tail(proc.Logs(), 4000))
		}
	}
	acked, changes, unacked, _ := w.led.counts()
	report(t, map[string]any{
		"cycles": p.Cycles, "writes_per_cycle": p.Writes, "writers": p.Writers,
		"acknowledged": acked, "acknowledged_changes": changes, "in_doubt": unacked,
		"in_doubt_applied": doubtApplied, "temp_files_after_kill": tempsSeen, "final_epoch": epoch,
		"restart_to_writable": restarts.summary(), "gateway_convergence_after_restart": converge.summary(),
	})
}

// checkEpoch reads the epoch after a restart: it must not have gone
// backwards, must count every acknowledged change, can exceed that only by
// writes in doubt, and the store's epoch file must hold it (decimal, no
// newline).
func checkEpoch(t *testing.T, led *ledger, base, store string, cycle int) uint64 {
	t.Helper()
	e := remoteEpoch(t, base)
	_, changes, unacked, maxSeen := led.counts()
	switch {
	case e < maxSeen:
		t.Errorf("cycle %d: epoch went backwards: %d after restart, %d seen before", cycle, e, maxSeen)
	case e < uint64(changes):
		t.Errorf("cycle %d: epoch %d < %d acknowledged changes", cycle, e, changes)
	case e > uint64(changes+unacked):
		t.Errorf("cycle %d: epoch %d > %d changes + %d writes in doubt", cycle, e, changes, unacked)
	}
	data, err := os.ReadFile(filepath.Join(store, "epoch"))
	if err != nil || string(data) != strconv.FormatUint(e, 10) {
		t.Errorf("cycle %d: store epoch file %q (%v), want %d", cycle, data, err, e)
	}
	led.seenEpoch(e)
	return e
}

// tempFiles lists the atomic-write temp files in the store.
func tempFiles(t testing.TB, store string) []string {
	t.Helper()
	var out []string
	for _, dir := range []string{store, filepath.Join(store, "models")} {
		m, err := filepath.Glob(filepath.Join(dir, ".*.tmp"))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	return out
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
