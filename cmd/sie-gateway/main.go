// Command sie-gateway serves the config read side of the SIE gateway: a
// mirror of sie-config, per-replica worker readiness, and the probes.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/sieproject/sie/internal/cliexit"
	"github.com/sieproject/sie/internal/gatewayserver"
	"github.com/sieproject/sie/internal/logging"
	"github.com/sieproject/sie/internal/version"
	"github.com/sieproject/sie/internal/workers"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	root := &cobra.Command{Use: "sie-gateway"}
	root.AddCommand(serveCommand(), &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run:   func(*cobra.Command, []string) { fmt.Println("sie-gateway " + version.Version + " (go)") },
	})
	return cliexit.Run(root, args, os.Stderr)
}

func serveCommand() *cobra.Command {
	var host, logLevel string
	var port int
	var workerURLs []string
	var jsonLogs bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the gateway's config API and worker readiness",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := gatewayserver.FromEnv(gatewayserver.OSEnv)
			if err != nil {
				return cliexit.UsageError{Err: err}
			}
			// Flags beat env; any -w replaces SIE_GATEWAY_WORKERS.
			f := cmd.Flags()
			if f.Changed("host") {
				cfg.Host = host
			}
			if f.Changed("port") {
				if port < 0 || port > 65535 {
					return cliexit.UsageError{Err: fmt.Errorf("--port %d is outside 0-65535", port)}
				}
				cfg.Port = port
			}
			if f.Changed("worker") {
				cfg.Workers = workers.ParseStatic(workerURLs...)
			}
			if f.Changed("log-level") {
				if cfg.LogLevel, err = logging.ParseLevel(logLevel); err != nil {
					return cliexit.UsageError{Err: err}
				}
			}
			if f.Changed("json-logs") {
				cfg.JSONLogs = jsonLogs
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return gatewayserver.Run(ctx, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&host, "host", "0.0.0.0", "listen host (env SIE_GATEWAY_HOST)")
	f.IntVarP(&port, "port", "p", 8080, "listen port (env SIE_GATEWAY_PORT)")
	// StringArray, not StringSlice: each value is split on commas by the
	// discovery rules, not by the flag library.
	f.StringArrayVarP(&workerURLs, "worker", "w", nil, "worker base URL, repeatable, comma-separated values allowed (env SIE_GATEWAY_WORKERS)")
	f.StringVarP(&logLevel, "log-level", "l", "info", "debug, info, warn/warning or error (env SIE_LOG_LEVEL)")
	f.BoolVar(&jsonLogs, "json-logs", false, "JSON log lines (env SIE_LOG_JSON)")
	return cmd
}
