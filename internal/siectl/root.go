// Package siectl is the admin CLI: declarative apply, replace, delete,
// diff, get, epoch, export, resolve, validate, fleet-wide status, model
// history and rollback, and `dev`, the one-command local cluster.
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
	token      string // --token: overrides both
	env        Env
	stdout     io.Writer
	stderr     io.Writer
}

const rootLong = `siectl administers an SIE control plane: sie-config (writes, the source of
truth) and sie-gateway (reads, worker readiness).

Environment:
  SIE_CONFIG_URL    sie-config base URL (default http://127.0.0.1:8081; --config-url)
  SIE_GATEWAY_URL   sie-gateway base URL (default http://127.0.0.1:8080; --gateway-url)
  SIE_ADMIN_TOKEN   bearer token for sie-config (writes, export, reads)
  SIE_AUTH_TOKEN    bearer token for reads: the gateway, and sie-config when
                    SIE_ADMIN_TOKEN is unset
  --token T overrides both tokens for one invocation.

Output: human text by default; -o json or -o yaml print the same data with
the API's snake_case keys. Exit status: 0 success, 1 the server refused or a
check failed (diff: differences found), 2 usage error.`

// NewCommand builds the siectl command tree writing to stdout/stderr.
func NewCommand(env Env, stdout, stderr io.Writer) *cobra.Command {
	if env == nil {
		env = os.Getenv
	}
	o := &options{env: env, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "siectl",
		Short:         "Administer an SIE control plane (sie-config and sie-gateway)",
		Long:          rootLong,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			switch o.output {
			case "", "json", "yaml":
			default:
				return usage("-o must be json or yaml, not %q", o.output)
			}
			if o.token != "" {
				o.adminToken, o.authToken = o.token, o.token
			}
			return nil
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &ExitError{Code: 2, Err: err} })
	f := root.PersistentFlags()
	f.StringVar(&o.configURL, "config-url", orDefault(env("SIE_CONFIG_URL"), "http://127.0.0.1:8081"), "sie-config base URL (env SIE_CONFIG_URL)")
	f.StringVar(&o.gatewayURL, "gateway-url", orDefault(env("SIE_GATEWAY_URL"), "http://127.0.0.1:8080"), "sie-gateway base URL (env SIE_GATEWAY_URL)")
	f.StringVarP(&o.output, "output", "o", "", "output format: json or yaml (default: human)")
	f.StringVar(&o.token, "token", "", "bearer token for every request (default: env SIE_ADMIN_TOKEN / SIE_AUTH_TOKEN)")
	o.adminToken = env("SIE_ADMIN_TOKEN")
	o.authToken = env("SIE_AUTH_TOKEN")
	root.AddCommand(
		applyCommand(o), replaceCommand(o), deleteCommand(o), diffCommand(o),
		getCommand(o), epochCommand(o), exportCommand(o), resolveCommand(o),
		validateCommand(o), statusCommand(o), historyCommand(o), rollbackCommand(o), devCommand(o),
		&cobra.Command{
			Use: "version", Short: "Print the version", Args: cobra.NoArgs,
			Run: func(*cobra.Command, []string) { fmt.Fprintln(stdout, "siectl "+version.Version) },
		},
	)
	strictGroups(root)
	return root
}

// strictGroups makes every command that only groups subcommands refuse
// an unknown subcommand with exit 2 instead of printing help and exiting 0.
func strictGroups(cmd *cobra.Command) {
	for _, c := range cmd.Commands() {
		strictGroups(c)
	}
	if !cmd.HasSubCommands() || cmd.Runnable() || !cmd.HasParent() {
		return
	}
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return usage("%s needs a subcommand; see %s --help", c.CommandPath(), c.CommandPath())
		}
		return usage("unknown subcommand %q for %s; see %s --help", args[0], c.CommandPath(), c.CommandPath())
	}
}

// Main runs siectl with args and returns the process exit code.
func Main(args []string, env Env, stdout, stderr io.Writer) int {
	cmd := NewCommand(env, stdout, stderr)
	cmd.SetArgs(args)
	err := cmd.Execute()
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil && ee.Err.Error() != "" {
			fmt.Fprintln(stderr, "siectl:", err)
		}
		return ee.Code
	}
	fmt.Fprintln(stderr, "siectl:", err)
	if strings.HasPrefix(err.Error(), "unknown command") || strings.HasPrefix(err.Error(), "accepts ") ||
		strings.Contains(err.Error(), "required flag") || strings.Contains(err.Error(), "unknown flag") {
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
