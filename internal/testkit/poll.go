package testkit

import (
	"testing"
	"time"
)

// PollTick is how often Eventually re-checks its condition.
const PollTick = 10 * time.Millisecond

// Condition is what Eventually polls: a func() bool, or a func() (bool,
// string) whose string says why it does not hold yet (reported when the
// wait fails).
type Condition interface {
	func() bool | func() (bool, string)
}

// Eventually polls cond every PollTick until it holds, and returns how long
// that took; if it still does not hold after within, the test fails with
// what (and cond's last explanation). Tests wait for asynchronous state
// this way, never with a sleep.
func Eventually[C Condition](t testing.TB, within time.Duration, what string, cond C) time.Duration {
	t.Helper()
	check := func() (bool, string) {
		switch c := any(cond).(type) {
		case func() bool:
			return c(), ""
		case func() (bool, string):
			return c()
		}
		panic("unreachable")
	}
	start := time.Now()
	deadline := start.Add(within)
	for {
		ok, why := check()
		if ok {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			if why != "" {
				t.Fatalf("%s: not reached within %s: %s", what, within, why)
			}
			t.Fatalf("%s: not reached within %s", what, within)
		}
		time.Sleep(PollTick)
	}
}
