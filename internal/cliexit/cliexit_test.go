package cliexit

import (
	"errors"
	"io"
	"testing"

	"github.com/spf13/cobra"
)

func TestExitCodes(t *testing.T) {
	mk := func() *cobra.Command {
		root := &cobra.Command{Use: "prog"}
		root.AddCommand(
			&cobra.Command{Use: "ok", Args: cobra.NoArgs, RunE: func(*cobra.Command, []string) error { return nil }},
			&cobra.Command{Use: "bad-env", RunE: func(*cobra.Command, []string) error { return UsageError{errors.New("x")} }},
			&cobra.Command{Use: "fail", RunE: func(*cobra.Command, []string) error { return errors.New("boom") }},
		)
		return root
	}
	for args, want := range map[string]int{"ok": 0, "bad-env": 2, "fail": 1, "nope": 2, "ok --bogus": 2, "ok extra": 2} {
		a := splitSpace(args)
		if got := Run(mk(), a, io.Discard); got != want {
			t.Errorf("%q: exit %d, want %d", args, got, want)
		}
	}
}

func splitSpace(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
