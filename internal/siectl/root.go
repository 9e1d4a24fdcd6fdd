// Package siectl is the admin CLI: apply, get, export, resolve, validate,
// fleet-wide status, and `dev`, the one-command local cluster.
package siectl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sieproject/sie/internal/version"
)

// Env looks a variable up; tests pass a map-backed one.
type Env func(string) string

// options are the global flags and environment.
type options struct {
	configURL  string
	gatewayURL string
	output     string
	adminToken string
	authToken  string
	env        Env
	stdout     io.Writer
	stderr     io.Writer
}

// ExitError carries a process exit code.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// failed returns exit code 1 with a message.
func failed(format string, args ...any) error {
	return &ExitError{Code: 1, Err: fmt.Errorf(format, args...)}
}

// NewCommand builds the siectl command tree writing to stdout/stderr.
func NewCommand(env Env, stdout, stderr io.Writer) *cobra.Command {
	if env == nil {
		env = os.Getenv
	}
	o := &options{env: env, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "siectl",
		Short:         "Administer an SIE control plane (sie-config and sie-gateway)",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			switch o.output {
			case "", "json", "yaml":
				return nil
			}
			return &ExitError{Code: 2, Err: fmt.Errorf("-o must be json or yaml, not %q", o.output)}
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &ExitError{Code: 2, Err: err} })
	f := root.PersistentFlags()
	f.StringVar(&o.configURL, "config-url", orDefault(env("SIE_CONFIG_URL"), "http://127.0.0.1:8081"), "sie-config base URL (env SIE_CONFIG_URL)")
	f.StringVar(&o.gatewayURL, "gateway-url", orDefault(env("SIE_GATEWAY_URL"), "http://127.0.0.1:8080"), "sie-gateway base URL (env SIE_GATEWAY_URL)")
	f.StringVarP(&o.output, "output", "o", "", "output format: json or yaml (default: human)")
	o.adminToken = env("SIE_ADMIN_TOKEN")
	o.authToken = env("SIE_AUTH_TOKEN")
	root.AddCommand(
		applyCommand(o), getCommand(o), exportCommand(o), resolveCommand(o),
		validateCommand(o), statusCommand(o), devCommand(o),
		&cobra.Command{
			Use: "version", Short: "Print the version", Args: cobra.NoArgs,
			Run: func(*cobra.Command, []string) { fmt.Fprintln(stdout, "siectl "+version.Version) },
		},
	)
	return root
}

// Main runs siectl with args and returns the process exit code.
func Main(args []string, env Env, stdout, stderr io.Writer) int {
	cmd := NewCommand(env, stdout, stderr)
	cmd.SetArgs(args)
	err := cmd.Execute()
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "siectl:", err)
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	if strings.HasPrefix(err.Error(), "unknown command") || strings.HasPrefix(err.Error(), "accepts ") ||
		strings.Contains(err.Error(), "required flag") {
		return 2
	}
	return 1
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
