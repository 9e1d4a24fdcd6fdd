// Command sie-config is the authoritative Config API service.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/sieproject/sie/internal/cliexit"
	"github.com/sieproject/sie/internal/configserver"
	"github.com/sieproject/sie/internal/logging"
	"github.com/sieproject/sie/internal/version"

	// The config store backends sie-config offers: SIE_CONFIG_STORE_DIR as a
	// local directory, s3://, gs:// or nats:// (JetStream). A backend
	// registers itself when imported.
	_ "github.com/sieproject/sie/internal/store/gcsstore"
	_ "github.com/sieproject/sie/internal/store/local"
	_ "github.com/sieproject/sie/internal/store/natsstore"
	_ "github.com/sieproject/sie/internal/store/s3store"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	root := &cobra.Command{Use: "sie-config"}
	root.AddCommand(serveCommand(), &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run:   func(*cobra.Command, []string) { fmt.Println("sie-config " + version.Version) },
	})
	return cliexit.Run(root, args, os.Stderr)
}

func serveCommand() *cobra.Command {
	var host, logLevel string
	var port int
	var jsonLogs bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the Config API",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := configserver.FromEnv(configserver.OSEnv)
			if err != nil {
				return cliexit.UsageError{Err: err}
			}
			cfg.Host, cfg.Port = host, port
			if cmd.Flags().Changed("log-level") {
				if cfg.LogLevel, err = logging.ParseLevel(logLevel); err != nil {
					return cliexit.UsageError{Err: err}
				}
			}
			if cmd.Flags().Changed("json-logs") {
				cfg.JSONLogs = jsonLogs
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return configserver.Run(ctx, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&host, "host", "0.0.0.0", "listen host")
	f.IntVarP(&port, "port", "p", 8080, "listen port")
	f.StringVarP(&logLevel, "log-level", "l", "info", "debug, info, warning, error or critical (env SIE_LOG_LEVEL)")
	f.BoolVar(&jsonLogs, "json-logs", false, "JSON log lines (env SIE_LOG_JSON)")
	return cmd
}
