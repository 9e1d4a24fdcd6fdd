package faulttest

import (
	"strings"
	"testing"
	"time"
)

// waitConverged waits until every gateway holds sie-config's current
// export and returns each gateway's time to get there, measured from the
// call. The gateways are polled together, so one slow gateway does not
// inflate the others' times.
func waitConverged[G converger](t testing.TB, base string, gws []G, within time.Duration) durations {
	t.Helper()
	start := time.Now()
	want := fetchExport(t, base)
	took := make([]time.Duration, len(gws))
	done := make([]bool, len(gws))
	waitFor(t, within, "gateways converge on the export", func() (bool, string) {
		var why []string
		for i, g := range gws {
			if done[i] {
				continue
			}
			ok, reason := g.convergedTo(want)
			if ok {
				done[i], took[i] = true, time.Since(start)
				continue
			}
			why = append(why, reason)
		}
		return len(why) == 0, strings.Join(why, "; ")
	})
	return took
}
