package faulttest

import (
	"testing"
	"time"
)

// pollTick is how often conditions are re-checked while waiting.
const pollTick = 10 * time.Millisecond

// waitFor polls cond until it holds or the deadline passes, then fails the
// test with what and cond's last explanation. It returns how long it took.
func waitFor(t testing.TB, within time.Duration, what string, cond func() (bool, string)) time.Duration {
	t.Helper()
	d, ok, why := poll(within, cond)
	if !ok {
		t.Fatalf("%s: not reached within %s: %s", what, within, why)
	}
	return d
}

// poll is waitFor without the failure: it reports whether cond held in
// time. The loop is bounded by the deadline.
func poll(within time.Duration, cond func() (bool, string)) (time.Duration, bool, string) {
	start := time.Now()
	deadline := start.Add(within)
	for {
		ok, why := cond()
		if ok {
			return time.Since(start), true, ""
		}
		if time.Now().After(deadline) {
			return time.Since(start), false, why
		}
		time.Sleep(pollTick)
	}
}
