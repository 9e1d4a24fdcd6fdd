package gatewayapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sieproject/sie/internal/gateway"
	"github.com/sieproject/sie/internal/workers"
)

// Mirror is the config state the API reads.
type Mirror interface {
	Snapshot() *gateway.State
	Ready() bool
	// Changed is closed when the next snapshot is published.
	Changed() <-chan struct{}
}

// Workers is the worker registry the API reads.
type Workers interface {
	// Version changes whenever Eligible, HealthyCount or Workers may
	// answer differently.
	Version() uint64
	// Changed is closed at the next change of Version.
	Changed() <-chan struct{}
	Eligible(bundle string) []workers.Eligible
	Advertising(bundle string) []*workers.Info
	HealthyCount() int
	Workers() []*workers.Info
}

// Config wires the API.
type Config struct {
	Mirror   Mirror
	Workers  Workers
	Auth     Auth
	Gatherer prometheus.Gatherer // /metrics; nil serves an empty registry
	// Context ends long-lived responses (the cluster-status WebSocket) on
	// shutdown; http.Server.Shutdown does not close hijacked connections.
	Context context.Context
	Log     *slog.Logger
	// WSOrigins are extra Origin host patterns (path.Match syntax, e.g.
	// "dash.example.com" or "*.example.com") allowed to open
	// /ws/cluster-status besides the gateway's own host.
	WSOrigins []string
	// WSMaxClients caps concurrent /ws/cluster-status clients
	// (DefaultWSMaxClients when zero).
	WSMaxClients int
	// Peers are the other gateways of the fleet-wide rollout; nil: this
	// gateway alone, named "local".
	Peers Peers
	// Registerer receives the API's own metrics (nil: not registered).
	Registerer prometheus.Registerer
}

// DefaultWSMaxClients is the default cap on /ws/cluster-status clients.
const DefaultWSMaxClients = 100

// server holds the handlers' dependencies.
type server struct {
	mirror  Mirror
	workers Workers
	ctx     context.Context
	log     *slog.Logger
	metrics http.Handler
	// statusCache holds the last status answer per model id (*cachedStatus).
	statusCache sync.Map
	wsOrigins   []string
	wsSlots     chan struct{} // one token per connected cluster-status client
	// peers reach the other gateways (nil: none); peerCache holds the
	// last status answer with gateway_id per model (*identifiedStatus).
	peers          Peers
	peerCache      sync.Map
	rolloutMetrics *rolloutMetrics
}

// New returns the gateway's HTTP handler: auth, then the router.
func New(cfg Config) http.Handler {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Context == nil {
		cfg.Context = context.Background()
	}
	if cfg.Gatherer == nil {
		cfg.Gatherer = prometheus.NewRegistry()
	}
	if cfg.WSMaxClients <= 0 {
		cfg.WSMaxClients = DefaultWSMaxClients
	}
	s := &server{mirror: cfg.Mirror, workers: cfg.Workers, ctx: cfg.Context, log: cfg.Log,
		metrics:   promhttp.HandlerFor(cfg.Gatherer, promhttp.HandlerOpts{}),
		wsOrigins: cfg.WSOrigins, wsSlots: make(chan struct{}, cfg.WSMaxClients),
		peers: cfg.Peers, rolloutMetrics: newRolloutMetrics(cfg.Registerer)}
	if s.peers != nil {
		s.peers.Serve(s.answerPeer)
	}
	rt := &router{}
	rt.add(&route{exact: "/healthz", methods: get(s.healthz)})
	rt.add(&route{exact: "/readyz", methods: get(s.readyz)})
	rt.add(&route{exact: "/health", methods: get(s.health)})
	rt.add(&route{exact: "/metrics", methods: get(s.serveMetrics)})
	rt.add(&route{exact: "/openapi.json", methods: get(serveOpenAPI)})
	rt.add(&route{exact: "/ws/cluster-status", methods: get(s.clusterStatus)})
	rt.add(&route{exact: "/v1/models", methods: get(s.listLoadedModels)})
	rt.add(&route{prefix: "/v1/models/", methods: get(s.getLoadedModel)})
	rt.add(&route{exact: "/v1/configs/models", methods: get(s.listModels)})
	rt.add(&route{prefix: "/v1/configs/models/", methods: get(s.getModel)})
	rt.add(&route{exact: "/v1/configs/bundles", methods: get(s.listBundles)})
	rt.add(&route{prefix: "/v1/configs/bundles/", segment: true, methods: get(s.getBundle)})
	rt.add(&route{exact: "/v1/configs/resolve", methods: post(s.resolve)})
	for _, op := range []string{"encode", "score", "extract"} {
		rt.add(&route{prefix: "/v1/" + op + "/", methods: post(s.inference)})
	}
	addDashboardRoutes(rt, cfg)
	return cfg.Auth.middleware(rt, cfg.Log)
}

func (s *server) serveMetrics(w http.ResponseWriter, r *http.Request, _ param) {
	s.metrics.ServeHTTP(w, r)
}
