package gatewayserver

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/dashboard"
	"github.com/sieproject/sie/internal/gateway"
	"github.com/sieproject/sie/internal/gatewayapi"
	"github.com/sieproject/sie/internal/logging"
	"github.com/sieproject/sie/internal/version"
	"github.com/sieproject/sie/internal/workers"
)

// The delta subscription's queue limits (nats.go's default is 64 MiB).
const (
	pendingMsgs  = 65536
	pendingBytes = 16 << 20
)

// Shutdown budgets (§1.3).
const (
	drainHTTP = 5 * time.Second
	drainNATS = 5 * time.Second
)

// Server is a running sie-gateway.
type Server struct {
	cfg      Config
	log      *slog.Logger
	mirror   *gateway.Mirror
	registry *workers.Registry
	clients  *workers.Clients
	nats     *bus.Conn
	peers    *gateway.Peers
	metrics  *gateway.Metrics
	http     *http.Server
	ln       net.Listener
	stop     context.CancelFunc
	served   chan error
	// background tracks the goroutines stop ends (the heartbeat expiry).
	background sync.WaitGroup

	shutdownOnce sync.Once
	shutdownErr  error
	crashed      bool // Crash: no leaving heartbeat
}

// Start brings the gateway up in the order of §1.3 and returns once HTTP is
// listening: NATS, the first bootstrap and the worker clients all proceed
// in the background.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	out := cfg.LogOutput
	if out == nil {
		out = os.Stderr
	}
	handler := logging.NewHandler(out, cfg.LogLevel, cfg.JSONLogs)
	log := logging.Logger(handler, "sie.gateway")
	logStartupFindings(log, &cfg)
	if err := cfg.validateHealth(); err != nil {
		return nil, err
	}

	seed, err := loadSeed(cfg, log)
	if err != nil {
		return nil, err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := gateway.NewMetrics(reg)
	registry := workers.NewRegistry(workers.RegistryConfig{HeartbeatTimeout: cfg.HeartbeatTimeout, Log: logging.Logger(handler, "sie.gateway.workers")})
	reg.MustRegister(workers.NewCollector(registry))

	mirror := gateway.New(gateway.Config{
		ConfigURL: cfg.ConfigURL, Token: cfg.OutboundToken, Trusted: cfg.Trusted, Seed: seed,
		PollInterval: cfg.PollInterval, BackoffInitial: cfg.BackoffInitial, BackoffMax: cfg.BackoffMax,
		DeltaFilter: cfg.DeltaFilter, Metrics: metrics, Log: logging.Logger(handler, "sie.gateway.config"),
		ExportMaxBytes: cfg.ExportMaxBytes, ResyncInterval: cfg.ResyncInterval,
	})

	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	s := &Server{cfg: cfg, log: log, mirror: mirror, registry: registry, metrics: metrics, stop: stop, served: make(chan error, 1)}

	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)))
	if err != nil {
		stop()
		return nil, err
	}
	s.ln = ln
	s.peers = gateway.NewPeers(gateway.PeersConfig{
		ID: gatewayID(cfg.GatewayID, ln), Epoch: func() uint64 { return mirror.Snapshot().Epoch() }, Workers: registry.HealthyCount,
		Heartbeat: cfg.PeerHeartbeat, Expiry: cfg.PeerExpiry, AnswerWait: cfg.PeerAnswerWait,
		Registerer: reg, Log: logging.Logger(handler, "sie.gateway.peers"),
	})

	// Long-lived answers (status long-polls, the cluster-status socket) end
	// as soon as Shutdown begins, so they do not hold the HTTP drain.
	responses, endResponses := context.WithCancel(bg)
	api := gatewayapi.New(gatewayapi.Config{Mirror: mirror, Workers: registry, Auth: cfg.Auth, Gatherer: reg, Context: responses, Log: log,
		WSOrigins: cfg.WSOrigins, WSMaxClients: cfg.WSMaxClients, Peers: s.peers, Registerer: reg})
	s.http = cfg.HTTPLimits.Server(dashboard.Mount(api)) // the page at /ui/, without auth
	s.http.RegisterOnShutdown(endResponses)
	go func() { s.served <- s.http.Serve(ln) }()
	log.Info("sie-gateway listening", "addr", ln.Addr().String(), "gateway_id", s.peers.ID(), "version", version.Version,
		"config_service", orNone(cfg.ConfigURL), "nats", orNone(bus.RedactURL(cfg.NATSURL)), "nats_auth", cfg.NATSCredentials.Describe(), "workers", len(cfg.Workers), "auth_mode", cfg.AuthMode,
		"health_mode", orDefault(cfg.HealthMode, HealthWS))

	if cfg.NATSURL != "" {
		if err := s.connectNATS(bg); err != nil {
			s.closeBackground()
			_ = s.http.Close()
			return nil, err
		}
	}
	if err := s.startNATSHealth(bg, reg); err != nil {
		s.closeBackground()
		_ = s.http.Close()
		return nil, err
	}
	mirror.Start(bg)
	s.clients = workers.StartClients(bg, registry, s.staticWorkers(), workers.ClientConfig{
		ConnectTimeout: cfg.WSConnectTimeout, ReconnectDelay: cfg.WSReconnectDelay,
		ReadTimeout: cfg.HeartbeatTimeout, CheckInterval: cfg.HeartbeatCheckInterval,
	})
	return s, nil
}

func orNone(s string) string { return orDefault(s, "none") }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// logStartupFindings logs the auth audit, env fall-backs and ignored
// inference-phase variables (§1.2–1.3).
func logStartupFindings(log *slog.Logger, cfg *Config) {
	for _, f := range cfg.AuthFindings() {
		log.Log(context.Background(), f.Level, f.Message)
	}
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}
	if len(cfg.IgnoredEnv) > 0 {
		log.Info("inference-phase settings are accepted and ignored in this build", "variables", cfg.IgnoredEnv)
	}
}

func loadSeed(cfg Config, log *slog.Logger) (*gateway.State, error) {
	if cfg.BundlesDir == "" && cfg.ModelsDir == "" {
		return nil, nil
	}
	return gateway.LoadSeed(cfg.BundlesDir, cfg.ModelsDir, log)
}

// connectNATS connects in the background and subscribes to the gateways'
// subject; the client library resumes the subscription after reconnects.
func (s *Server) connectNATS(ctx context.Context) error {
	conn, err := bus.Connect(s.cfg.NATSURL, bus.Options{
		Name:           "sie-gateway",
		Credentials:    s.cfg.NATSCredentials,
		RetryInterval:  s.cfg.NATSReconnectWait,
		ConnectTimeout: 5 * time.Second, // sie-gateway.md §1.3
		OnStateChange: func(up bool) {
			s.metrics.NATSConnected.Set(boolGauge(up))
			if up {
				s.peers.Nudge() // tell the peers at once, after a (re)connect too
			}
		},
	}, s.log)
	if err != nil {
		return err
	}
	s.nats = conn
	sub, err := conn.SubscribeHeader(bus.SubjectAll, bus.GenerationHeader, s.mirror.HandleDeltaMsg)
	if err != nil {
		return err
	}
	// Bound what waits for the handler: beyond it the client drops
	// messages (a lost delta is a gap, and a resync repairs it), so a
	// flood cannot grow the gateway's memory.
	if err := sub.SetPendingLimits(pendingMsgs, pendingBytes); err != nil {
		return err
	}
	return s.peers.Start(ctx, conn)
}

// gatewayID is the configured id, else {hostname}-{port} of the listener.
func gatewayID(configured string, ln net.Listener) string {
	if configured != "" {
		return configured
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "sie-gateway"
	}
	return host + "-" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// URL is the base URL the gateway listens on.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Mirror exposes the config mirror (tests).
func (s *Server) Mirror() *gateway.Mirror { return s.mirror }

// Registry exposes the worker registry (tests).
func (s *Server) Registry() *workers.Registry { return s.registry }

// NATSConnected reports whether the NATS connection is up (false without NATS).
func (s *Server) NATSConnected() bool { return s.nats != nil && s.nats.Connected() }

// Shutdown stops accepting, finishes in-flight requests (5 s max), closes
// the worker sockets and drains NATS (5 s max).
// Later calls wait for the first and return its result.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutdownOnce.Do(func() {
		hctx, cancel := context.WithTimeout(ctx, drainHTTP)
		defer cancel()
		err := s.http.Shutdown(hctx)
		s.closeBackground()
		if serr := <-s.served; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
		s.shutdownErr = err
	})
	return s.shutdownErr
}

func (s *Server) closeBackground() {
	s.stop()
	if s.clients != nil {
		s.clients.Wait()
	}
	s.background.Wait()
	s.mirror.Wait()
	if s.nats != nil {
		if !s.crashed {
			s.peers.Leave(context.Background())
		}
		s.nats.Close(drainNATS)
	}
	s.metrics.NATSConnected.Set(0)
}

// Crash stops the gateway the way a killed process would look to its
// peers: no leaving heartbeat, no answers from then on (tests).
func (s *Server) Crash() {
	s.crashed = true
	_ = s.Shutdown(context.Background())
}

// GatewayID is the gateway's id among its peers.
func (s *Server) GatewayID() string { return s.peers.ID() }

// Peers exposes the peer table (tests).
func (s *Server) Peers() *gateway.Peers { return s.peers }

// Run starts the gateway and serves until ctx is cancelled.
func Run(ctx context.Context, cfg Config) error {
	s, err := Start(ctx, cfg)
	if err != nil {
		return err
	}
	<-ctx.Done()
	s.log.Info("shutting down")
	return s.Shutdown(context.Background())
}
