// Command sie-worker-sim runs N simulated SIE workers of one bundle in one
// process (worker-protocol.md §8): each loads the models directory filtered
// by its bundle, applies NATS config deltas and serves /ws/status, /healthz
// and /readyz on its own port.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/logging"
	"github.com/sieproject/sie/internal/workersim"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stderr))
}

// run returns the exit status: 2 for invalid flags or env values, 1 when
// the workers cannot start or fail, 0 after SIGINT/SIGTERM.
func run(args []string, getenv func(string) string, stderr io.Writer) int {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "sie-worker-sim:", err)
		return 2
	}
	level, err := logging.ParseLevel(getenv("SIE_LOG_LEVEL"))
	if err != nil {
		fmt.Fprintln(stderr, "sie-worker-sim: SIE_LOG_LEVEL:", err)
		return 2
	}
	jsonLogs, err := logging.ParseBool(getenv("SIE_LOG_JSON"))
	if err != nil {
		fmt.Fprintln(stderr, "sie-worker-sim: SIE_LOG_JSON:", err)
		return 2
	}
	log := logging.Logger(logging.NewHandler(stderr, level, jsonLogs), "sie-worker-sim")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := workersim.Run(ctx, cfg, log); err != nil {
		fmt.Fprintln(stderr, "sie-worker-sim:", err)
		return 1
	}
	return 0
}

// parseConfig maps the command line and environment onto a Config.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (workersim.Config, error) {
	cfg := workersim.DefaultConfig()
	if h := getenv("HOSTNAME"); h != "" {
		cfg.NamePrefix = h
	}
	fs := flag.NewFlagSet("sie-worker-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Bundle, "bundle", "", "bundle id: the file stem in the bundles directory (required)")
	fs.IntVar(&cfg.Count, "count", cfg.Count, "number of simulated workers")
	fs.StringVar(&cfg.ModelsDir, "models-dir", "", "the workers' models directory (required)")
	fs.StringVar(&cfg.NATSURL, "nats-url", getenv("SIE_NATS_URL"), "NATS URL; empty runs without NATS (default $SIE_NATS_URL)")
	fs.IntVar(&cfg.Port, "port", cfg.Port, "worker i listens on port+i")
	fs.StringVar(&cfg.BundlesDir, "bundles-dir", getenv("SIE_BUNDLES_DIR"), "bundles directory (default $SIE_BUNDLES_DIR, else <models-dir>/../bundles)")
	fs.StringVar(&cfg.Host, "host", cfg.Host, "listen address")
	fs.StringVar(&cfg.NamePrefix, "name-prefix", cfg.NamePrefix, "worker i is named <prefix>-<bundle>-<i> (default $HOSTNAME, else sim)")
	fs.StringVar(&cfg.MachineProfile, "machine-profile", cfg.MachineProfile, "machine_profile and each GPU's gpu_type")
	fs.StringVar(&cfg.Pool, "pool", cfg.Pool, "pool_name")
	fs.IntVar(&cfg.GPUCount, "gpu-count", cfg.GPUCount, "gpu_count and number of gpus entries")
	fs.DurationVar(&cfg.ApplyLag, "apply-lag", 0, "delay between receiving a delta and applying it")
	fs.IntVar(&cfg.DropDeltas, "drop-deltas", 0, "silently drop the first K deltas each worker receives")
	fs.Float64Var(&cfg.DropFraction, "drop-fraction", 0, "also drop this fraction (0-1) of deltas, evenly spread")
	fs.BoolVar(&cfg.NotReady, "not-ready", false, "start with ready=false")
	fs.StringVar(&cfg.HealthMode, "health-mode", cfg.HealthMode, "ws (status WebSocket), nats (heartbeats on sie.health.<name>, no WebSocket) or both")
	fs.DurationVar(&cfg.HeartbeatInterval, "heartbeat-interval", workersim.DefaultHeartbeatInterval, "NATS heartbeat period (with --health-mode nats or both)")
	fs.DurationVar(&cfg.DisconnectAfter, "disconnect-after", 0, "close each status socket this long after it opened (0 = never)")
	token := getenv("SIE_CONFIG_SERVICE_TOKEN")
	if token == "" {
		token = getenv("SIE_ADMIN_TOKEN")
	}
	fs.StringVar(&cfg.ConfigURL, "config-url", getenv("SIE_CONFIG_SERVICE_URL"), "sie-config base URL to catch up from; empty = no catch-up (default $SIE_CONFIG_SERVICE_URL)")
	fs.StringVar(&cfg.ConfigToken, "config-token", token, "bearer for /v1/configs/epoch and /export (default $SIE_CONFIG_SERVICE_TOKEN, else $SIE_ADMIN_TOKEN)")
	fs.DurationVar(&cfg.ConfigPoll, "config-poll", cfg.ConfigPoll, "how often to poll /v1/configs/epoch (with --config-url)")
	fs.DurationVar(&cfg.ConfigFullSync, "config-full-sync", cfg.ConfigFullSync, "reconcile from /v1/configs/export at least this often (with --config-url)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	creds, err := bus.CredentialsFromEnv(getenv)
	if err != nil {
		return cfg, err
	}
	cfg.NATSCredentials = creds
	if cfg.BundlesDir == "" && cfg.ModelsDir != "" {
		cfg.BundlesDir = filepath.Join(cfg.ModelsDir, "..", "bundles")
	}
	return cfg, cfg.Validate()
}
