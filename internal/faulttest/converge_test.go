package faulttest

import (
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

// waitConverged waits until every gateway holds sie-config's current
// export; see waitConvergedTo.
func waitConverged[G converger](t testing.TB, base string, gws []G, within time.Duration) durations {
	t.Helper()
	start := time.Now()
	return waitConvergedTo(t, fetchExport(t, base), gws, start, within)
}

// waitConvergedTo waits until every gateway holds want and returns each
// gateway's time to get there, measured from since. The gateways are
// polled together, so one slow gateway does not inflate the others' times.
func waitConvergedTo[G converger](t testing.TB, want exportSnap, gws []G, since time.Time, within time.Duration) durations {
	t.Helper()
	took := make(durations, len(gws))
	done := make([]bool, len(gws))
	testkit.Eventually(t, within-time.Since(since), "gateways converge on the export", func() (bool, string) {
		var why []string
		for i, g := range gws {
			if done[i] {
				continue
			}
			ok, reason := g.convergedTo(want)
			if ok {
				done[i], took[i] = true, time.Since(since)
				continue
			}
			why = append(why, reason)
		}
		return len(why) == 0, strings.Join(why, "; ")
	})
	return took
}

// acknowledged is the state every gateway must reach once the writes of w
// are done: the acknowledged documents at the highest epoch answered. It
// needs no request, so convergence is timed from the last answer.
func (w *world) acknowledged() exportSnap {
	_, _, _, e := w.led.counts()
	return exportSnap{Epoch: e, Models: w.expected()}
}

// checkExport asserts that sie-config exports exactly the acknowledged state.
func checkExport(t testing.TB, base string, want exportSnap) {
	t.Helper()
	got := fetchExport(t, base)
	if got.Epoch != want.Epoch || got.Models.digest() != want.Models.digest() {
		t.Fatalf("export (epoch %d) differs from the acknowledged writes (epoch %d): %s",
			got.Epoch, want.Epoch, got.Models.diff(want.Models))
	}
}
