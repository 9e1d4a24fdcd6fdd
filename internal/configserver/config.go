// Package configserver assembles sie-config: configuration from the
// environment, startup in the spec's order, and graceful shutdown. Tests
// and siectl run it in-process through Start.
package configserver

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/configapi"
	"github.com/sieproject/sie/internal/httplimits"
	"github.com/sieproject/sie/internal/logging"
	"github.com/sieproject/sie/internal/store"
)

// Config is everything sie-config reads at startup.
type Config struct {
	Host string
	Port int // 0 picks a free port (tests)

	BundlesDir string
	ModelsDir  string
	StoreURL   string // "" = no store
	// StoreEnv is where the store backend reads its own settings
	// (SIE_NATS_URL and credentials for nats://, SIE_CONFIG_STORE_REPLICAS):
	// the environment this Config was read from (nil: the process's).
	StoreEnv func(string) string
	Restore  bool
	NATSURL  string // "" = standalone
	// NATSCredentials authenticate to NATS (SIE_NATS_USER, …).
	NATSCredentials bus.Credentials
	Auth            configapi.Auth
	RouterID        string
	// RequireServable refuses POST and PUT documents workers cannot serve
	// (SIE_CONFIG_REQUIRE_SERVABLE).
	RequireServable bool

	LogLevel  slog.Level
	JSONLogs  bool
	LogOutput io.Writer // default os.Stderr

	// HTTPLimits are the connection limits (zero: the defaults; tests
	// shorten them).
	HTTPLimits httplimits.Limits
	// PublishTimeout bounds a write's wait for its deltas (zero: 2 s).
	PublishTimeout time.Duration
	// PprofAddr, when set, serves the Go runtime profiles on that address
	// (SIE_PPROF_ADDR; off by default).
	PprofAddr string
}

// Getenv looks a variable up and reports whether it is set.
type Getenv func(string) (string, bool)

// FromEnv reads the environment contract of sie-config.md §1.2. Invalid
// values are errors (the binary exits 2 on them).
func FromEnv(env Getenv) (Config, error) {
	get := func(k string) string { v, _ := env(k); return v }
	ptr := func(k string) *string {
		if v, ok := env(k); ok {
			return &v
		}
		return nil
	}
	cfg := Config{
		Host:       "0.0.0.0",
		Port:       8080,
		BundlesDir: orDefault(get("SIE_BUNDLES_DIR"), "/app/bundles"),
		ModelsDir:  orDefault(get("SIE_MODELS_DIR"), "/app/models"),
		StoreURL:   storeURL(get("SIE_CONFIG_STORE_DIR")),
		StoreEnv:   get,
		NATSURL:    get("SIE_NATS_URL"),
		PprofAddr:  get("SIE_PPROF_ADDR"),
		Auth: configapi.Auth{
			Inference: ptr("SIE_AUTH_TOKEN"),
			Admin:     ptr("SIE_ADMIN_TOKEN"),
			Read:      ptr("SIE_CONFIG_READ_TOKEN"),
		},
	}
	cfg.Restore = cfg.StoreURL != "" && strings.ToLower(get("SIE_CONFIG_RESTORE")) == "true"
	envName := get("SIE_ENV")
	if envName == "" {
		envName = get("SIE_DEPLOYMENT_ENV")
	}
	switch strings.ToLower(strings.TrimSpace(envName)) {
	case "prod", "production":
		cfg.Auth.Production = true
	}
	cfg.RouterID = routerID(get("POD_NAME"), get("HOSTNAME"))
	var err error
	if cfg.NATSCredentials, err = bus.CredentialsFromEnv(get); err != nil {
		return cfg, err
	}
	if cfg.LogLevel, err = logging.ParseLevel(get("SIE_LOG_LEVEL")); err != nil {
		return cfg, fmt.Errorf("SIE_LOG_LEVEL: %w", err)
	}
	if cfg.JSONLogs, err = logging.ParseBool(get("SIE_LOG_JSON")); err != nil {
		return cfg, fmt.Errorf("SIE_LOG_JSON: %w", err)
	}
	if cfg.RequireServable, err = logging.ParseBool(get("SIE_CONFIG_REQUIRE_SERVABLE")); err != nil {
		return cfg, fmt.Errorf("SIE_CONFIG_REQUIRE_SERVABLE: %w", err)
	}
	// Read by the nats:// store when it opens; checked here so a bad value
	// is a usage error like the others.
	if _, err := store.ParseReplicas(get(store.EnvReplicas)); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// storeURL removes trailing "/" characters (§1.2) after the scheme of a
// cloud URL, so "s3://" stays a cloud URL without a bucket (refused at
// startup) instead of becoming the local directory "s3:".
func storeURL(raw string) string {
	if raw == "" {
		return ""
	}
	for _, scheme := range []string{"s3://", "gs://", "nats://"} {
		if rest, ok := strings.CutPrefix(raw, scheme); ok {
			return scheme + strings.TrimRight(rest, "/")
		}
	}
	if trimmed := strings.TrimRight(raw, "/"); trimmed != "" {
		return trimmed
	}
	return "/" // only slashes: the root directory
}

// OSEnv is os.LookupEnv.
func OSEnv(k string) (string, bool) { return os.LookupEnv(k) }

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// routerID is POD_NAME, else {HOSTNAME or OS hostname}-{pid}.
func routerID(pod, hostname string) string {
	if pod != "" {
		return pod
	}
	if hostname == "" {
		hostname, _ = os.Hostname()
	}
	return hostname + "-" + strconv.Itoa(os.Getpid())
}
