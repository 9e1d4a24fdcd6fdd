package gatewayserver

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/gateway"
	"github.com/sieproject/sie/internal/gatewayapi"
	"github.com/sieproject/sie/internal/httplimits"
	"github.com/sieproject/sie/internal/logging"
	"github.com/sieproject/sie/internal/workers"
)

// Config is everything sie-gateway reads at startup (sie-gateway.md §1).
type Config struct {
	Host string
	Port int // 0 picks a free port (tests)
	// GatewayID names this gateway among its peers (SIE_GATEWAY_ID, else
	// POD_NAME); "" takes {hostname}-{port} once listening.
	GatewayID string

	Workers []string // static worker URLs, already split and normalized
	// HealthMode (SIE_GATEWAY_HEALTH_MODE) is ws, nats or both; "" is ws.
	// NATSHealthTimeout (SIE_GATEWAY_NATS_HEALTH_TIMEOUT_S) removes a
	// NATS-discovered worker after that long without a heartbeat.
	HealthMode        string
	NATSHealthTimeout time.Duration

	ConfigURL     string // sie-config base URL, "" = filesystem-seed-only
	OutboundToken string // bearer to sie-config
	NATSURL       string
	// NATSCredentials authenticate to NATS (SIE_NATS_USER, …).
	NATSCredentials bus.Credentials
	Trusted         gateway.Trust // empty = trust every producer

	AuthMode string // "none", "token" or "static"
	Auth     gatewayapi.Auth

	BundlesDir, ModelsDir string // optional seed

	// WSOrigins (SIE_GATEWAY_WS_ORIGINS) are extra Origin host patterns
	// allowed on /ws/cluster-status; WSMaxClients
	// (SIE_GATEWAY_WS_MAX_CLIENTS) caps its concurrent clients.
	WSOrigins    []string
	WSMaxClients int
	// ExportMaxBytes (SIE_GATEWAY_EXPORT_MAX_BYTES) caps an /export read
	// from sie-config.
	ExportMaxBytes int64

	PollInterval     time.Duration
	HeartbeatTimeout time.Duration
	WSConnectTimeout time.Duration
	WSReconnectDelay time.Duration

	LogLevel  slog.Level
	JSONLogs  bool
	LogOutput io.Writer // default os.Stderr

	// Warnings are env values that fell back to their defaults; IgnoredEnv
	// names the inference-phase variables that are set. Both are logged at
	// startup.
	Warnings   []string
	IgnoredEnv []string

	// Knobs for tests and benchmarks; zero values take the defaults.
	HeartbeatCheckInterval time.Duration     // 5 s
	NATSReconnectWait      time.Duration     // 2 s
	BackoffInitial         time.Duration     // 1 s
	BackoffMax             time.Duration     // 60 s
	DeltaFilter            func([]byte) bool // drop deltas on purpose
	ResyncInterval         time.Duration     // 1 s: least time between resync starts
	PeerHeartbeat          time.Duration     // 5 s: the gateway heartbeat on NATS
	PeerExpiry             time.Duration     // 15 s: a silent peer is forgotten
	PeerAnswerWait         time.Duration     // 500 ms: the rollout's wait for peers
	HTTPLimits             httplimits.Limits // zero: the defaults
	// NATSHealthExpiryInterval is how often NATS workers' silences are
	// checked (1 s).
	NATSHealthExpiryInterval time.Duration
}

// ErrAuthMode is returned for an SIE_AUTH_MODE the gateway refuses (D3m).
type ErrAuthMode struct{ Mode string }

func (e *ErrAuthMode) Error() string {
	return fmt.Sprintf("SIE_AUTH_MODE=%q is not one of none, token, static; refusing to start", e.Mode)
}

// inferencePhaseEnv are accepted and ignored in this phase (§1.2).
var inferencePhaseEnv = []string{
	"SIE_GATEWAY_KUBERNETES", "SIE_GATEWAY_KUBERNETES_NAMESPACE", "SIE_GATEWAY_KUBERNETES_SERVICE",
	"SIE_GATEWAY_ENABLE_POOLS", "SIE_PAYLOAD_STORE_URL",
}

// FromEnv reads the environment contract of §1.1–1.2. An unknown auth mode
// or log level is an error (the command exits 2); bad numbers fall back to
// their defaults with a warning.
func FromEnv(get Getenv) (Config, error) {
	e := &envReader{get: get}
	cfg := Config{
		Host:             "0.0.0.0",
		Port:             e.port("SIE_GATEWAY_PORT", 8080),
		Workers:          workers.ParseStatic(e.str("SIE_GATEWAY_WORKERS")),
		ConfigURL:        strings.TrimRight(strings.TrimSpace(e.str("SIE_CONFIG_SERVICE_URL")), "/"),
		NATSURL:          strings.TrimSpace(e.str("SIE_NATS_URL")),
		AuthMode:         e.str("SIE_AUTH_MODE"),
		BundlesDir:       e.str("SIE_BUNDLES_DIR"),
		ModelsDir:        e.str("SIE_MODELS_DIR"),
		PollInterval:     e.seconds("SIE_GATEWAY_CONFIG_POLL_INTERVAL_S", gateway.DefaultPollInterval),
		HeartbeatTimeout: e.seconds("SIE_GATEWAY_HEARTBEAT_TIMEOUT_S", workers.DefaultHeartbeatTimeout),
		WSConnectTimeout: e.seconds("SIE_GATEWAY_WS_CONNECT_TIMEOUT_S", workers.DefaultConnectTimeout),
		WSReconnectDelay: e.seconds("SIE_GATEWAY_WS_RECONNECT_DELAY_S", workers.DefaultReconnectDelay),
		JSONLogs:         e.boolean("SIE_LOG_JSON"),
		WSOrigins:        e.csv("SIE_GATEWAY_WS_ORIGINS"),
		WSMaxClients:     e.positiveInt("SIE_GATEWAY_WS_MAX_CLIENTS", gatewayapi.DefaultWSMaxClients),
		ExportMaxBytes:   int64(e.positiveInt("SIE_GATEWAY_EXPORT_MAX_BYTES", int(gateway.DefaultExportMaxBytes))),
	}
	cfg.GatewayID = strings.TrimSpace(e.str("SIE_GATEWAY_ID"))
	if cfg.GatewayID == "" {
		cfg.GatewayID = strings.TrimSpace(e.str("POD_NAME"))
	}
	if h := strings.TrimSpace(e.str("SIE_GATEWAY_HOST")); h != "" {
		cfg.Host = h
	}
	switch cfg.AuthMode {
	case "":
		cfg.AuthMode = "none"
	case "none", "token", "static":
	default:
		return cfg, &ErrAuthMode{Mode: cfg.AuthMode}
	}
	cfg.Auth = gatewayapi.Auth{
		Enabled:           cfg.AuthMode != "none",
		UserTokens:        e.csv("SIE_AUTH_TOKENS"),
		AdminToken:        e.str("SIE_ADMIN_TOKEN"), // used untrimmed
		ExemptOperational: e.boolean("SIE_AUTH_EXEMPT_OPERATIONAL"),
	}
	if len(cfg.Auth.UserTokens) == 0 {
		cfg.Auth.UserTokens = e.csv("SIE_AUTH_TOKEN")
	}
	cfg.OutboundToken = cfg.Auth.AdminToken
	if t, ok := get("SIE_CONFIG_SERVICE_TOKEN"); ok {
		cfg.OutboundToken = t
	}
	switch {
	case e.boolean("SIE_NATS_CONFIG_TRUST_ANY_PRODUCER"):
		cfg.Trusted = gateway.Trust{}
	case len(e.csv("SIE_NATS_CONFIG_TRUSTED_PRODUCERS")) > 0:
		cfg.Trusted = e.csv("SIE_NATS_CONFIG_TRUSTED_PRODUCERS")
	default:
		// Unset or empty keeps the default: an empty list would trust
		// every producer, which must be asked for explicitly.
		cfg.Trusted = append(gateway.Trust(nil), gateway.DefaultTrustedProducers...)
	}
	if err := healthFromEnv(e, &cfg); err != nil {
		return cfg, err
	}
	var err error
	if cfg.NATSCredentials, err = bus.CredentialsFromEnv(e.str); err != nil {
		return cfg, err
	}
	if cfg.LogLevel, err = logging.ParseLevel(e.str("SIE_LOG_LEVEL")); err != nil {
		return cfg, fmt.Errorf("SIE_LOG_LEVEL: %w", err)
	}
	for _, k := range inferencePhaseEnv {
		if _, ok := get(k); ok {
			cfg.IgnoredEnv = append(cfg.IgnoredEnv, k)
		}
	}
	cfg.Warnings = e.warnings
	return cfg, nil
}

// OSEnv is os.LookupEnv.
func OSEnv(k string) (string, bool) { return os.LookupEnv(k) }

// Finding is one startup observation about the auth settings (§1.3).
type Finding struct {
	Level   slog.Level
	Message string
}

// AuthFindings audits the auth settings: enabled without user tokens or
// without an admin token, tokens while disabled, the operational exemption.
func (c *Config) AuthFindings() []Finding {
	var out []Finding
	a := c.Auth
	if a.Enabled {
		if len(a.UserTokens) == 0 {
			out = append(out, Finding{slog.LevelError, "SIE_AUTH_MODE=" + c.AuthMode + " but no SIE_AUTH_TOKEN(S): every authenticated request will answer 500"})
		}
		if a.AdminToken == "" {
			out = append(out, Finding{slog.LevelWarn, "SIE_AUTH_MODE=" + c.AuthMode + " without SIE_ADMIN_TOKEN: admin endpoints answer 403"})
		}
	} else if len(a.UserTokens) > 0 {
		// The admin token alone is not a finding: it is also the outbound
		// bearer to sie-config, set whether or not inbound auth is on.
		out = append(out, Finding{slog.LevelError, "SIE_AUTH_TOKEN(S) are configured but SIE_AUTH_MODE is none: requests are not authenticated"})
	}
	if a.ExemptOperational {
		out = append(out, Finding{slog.LevelWarn, "SIE_AUTH_EXEMPT_OPERATIONAL is on: /, /health, /metrics and /ws/* are served without auth"})
	}
	return out
}
