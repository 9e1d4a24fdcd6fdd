package main

import (
	"os"
	"testing"
)

// The exit statuses of §3 (README): version 0, bad flags and env 2.
func TestExitCodes(t *testing.T) {
	if got := run([]string{"version"}); got != 0 {
		t.Errorf("version → %d", got)
	}
	if got := run([]string{"serve", "--bogus"}); got != 2 {
		t.Errorf("unknown flag → %d", got)
	}
	if got := run([]string{"serve", "--port", "x"}); got != 2 {
		t.Errorf("bad port → %d", got)
	}
	if got := run([]string{"nope"}); got != 2 {
		t.Errorf("unknown command → %d", got)
	}
	t.Setenv("SIE_AUTH_MODE", "disabled")
	if got := run([]string{"serve"}); got != 2 {
		t.Errorf("unknown SIE_AUTH_MODE → %d", got)
	}
	os.Unsetenv("SIE_AUTH_MODE")
	t.Setenv("SIE_LOG_LEVEL", "loud")
	if got := run([]string{"serve"}); got != 2 {
		t.Errorf("bad SIE_LOG_LEVEL → %d", got)
	}
}
