package faulttest

import (
	"os"
	"strconv"
	"testing"
	"time"
)

// params are the suite's knobs. The defaults keep the package within its CI
// budget; the environment scales them up for a run by hand.
type params struct {
	Cycles         int           // SIE_FAULT_CYCLES: crash cycles (kill -9 + restart)
	Writes         int           // SIE_FAULT_WRITES: writes per crash cycle
	Writers        int           // SIE_FAULT_WRITERS: concurrent writer goroutines
	LossWrites     int           // SIE_FAULT_LOSS_WRITES: writes of the message-loss test
	OutageWrites   int           // SIE_FAULT_OUTAGE_WRITES: writes before and after each NATS outage
	Outages        int           // SIE_FAULT_OUTAGES: NATS outages
	Poll           time.Duration // SIE_FAULT_POLL_MS: the gateways' poll interval
	LossPercent    int           // SIE_FAULT_LOSS_PERCENT: share of deltas dropped
	ConvergeBudget time.Duration // allowed on top of one poll interval for a resync
}

func loadParams(t testing.TB) params {
	t.Helper()
	return params{
		Cycles:         envInt(t, "SIE_FAULT_CYCLES", 20, 1),
		Writes:         envInt(t, "SIE_FAULT_WRITES", 200, 10),
		Writers:        envInt(t, "SIE_FAULT_WRITERS", 4, 1),
		LossWrites:     envInt(t, "SIE_FAULT_LOSS_WRITES", 200, 10),
		OutageWrites:   envInt(t, "SIE_FAULT_OUTAGE_WRITES", 40, 4),
		Outages:        envInt(t, "SIE_FAULT_OUTAGES", 3, 1),
		Poll:           time.Duration(envInt(t, "SIE_FAULT_POLL_MS", 1000, 50)) * time.Millisecond,
		LossPercent:    envInt(t, "SIE_FAULT_LOSS_PERCENT", 10, 0),
		ConvergeBudget: 5 * time.Second,
	}
}

// envInt reads a positive integer knob; a malformed value fails the test
// rather than silently running the default.
func envInt(t testing.TB, name string, def, min int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min {
		t.Fatalf("%s=%q: want an integer ≥ %d", name, v, min)
	}
	return n
}

// runSeed is the random seed of a test: SIE_FAULT_SEED when set (to replay
// a failure), else the clock. It is logged so a failure can be replayed.
func runSeed(t testing.TB) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("SIE_FAULT_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("SIE_FAULT_SEED=%q: %v", v, err)
		}
		seed = n
	}
	t.Logf("seed %d (replay with SIE_FAULT_SEED=%d)", seed, seed)
	return seed
}

func itoa(n int) string { return strconv.Itoa(n) }
