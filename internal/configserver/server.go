package configserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/configapi"
	"github.com/sieproject/sie/internal/controlplane"
	"github.com/sieproject/sie/internal/logging"
	"github.com/sieproject/sie/internal/store"
)

// storeRetryInterval paces the retries of a store unreachable at startup.
const storeRetryInterval = 2 * time.Second

// Server is a running sie-config.
type Server struct {
	cfg     Config
	log     *slog.Logger
	svc     *controlplane.Service
	metrics *controlplane.Metrics
	http    *http.Server
	ln      net.Listener
	nats    *bus.Conn
	st      store.Store
	stop    context.CancelFunc
	bgCtx   context.Context                      // ends at shutdown (background loops)
	svcRef  atomic.Pointer[controlplane.Service] // for the NATS callback, which may run before Start returns
	wg      sync.WaitGroup
	served  chan error

	shutdownOnce sync.Once
	shutdownErr  error
}

// Start brings sie-config up in the order of sie-config.md §1.3 and returns
// once HTTP is listening and the store is read (its API documents restored).
// HTTP listens before the restore, so /healthz answers during it while
// /readyz says 503; every other request waits for the restore to finish
// (restoreGate). NATS connects in the background.
// A store that cannot be read yet keeps readiness failing and writes refused
// (503) while it is retried in the background.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	out := cfg.LogOutput
	if out == nil {
		out = os.Stderr
	}
	handler := logging.NewHandler(out, cfg.LogLevel, cfg.JSONLogs)
	log := logging.Logger(handler, "sie.config")
	if cfg.Auth.Production && (cfg.Auth.Admin == nil || *cfg.Auth.Admin == "") {
		log.Error("SIE_ENV=production without SIE_ADMIN_TOKEN: config writes and export are disabled")
	}

	snap := loadRegistry(cfg, log)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := controlplane.NewMetrics(reg)

	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	s := &Server{cfg: cfg, log: log, metrics: metrics, stop: stop, bgCtx: bg, served: make(chan error, 1)}

	var st store.Store
	if cfg.StoreURL != "" {
		var err error
		st, err = openStore(ctx, cfg, log)
		if err != nil {
			stop()
			return nil, fmt.Errorf("open config store %s: %w", cfg.StoreURL, err)
		}
		s.st = st
	}

	if cfg.NATSURL != "" {
		conn, err := bus.Connect(cfg.NATSURL, bus.Options{
			Name:        "sie-config " + cfg.RouterID,
			Credentials: cfg.NATSCredentials,
			OnStateChange: func(up bool) {
				metrics.NATSConnected.Set(boolGauge(up))
				if svc := s.svcRef.Load(); up && svc != nil {
					go svc.Republish() // announce what failed while NATS was away
				}
			},
		}, log)
		if err != nil {
			stop()
			return nil, fmt.Errorf("nats: %w", err)
		}
		s.nats = conn
	}

	svcCfg := controlplane.Config{Snapshot: snap, RouterID: cfg.RouterID, RequireServable: cfg.RequireServable, Metrics: metrics, Log: log,
		PermanentPublishError: bus.Permanent, PublishTimeout: cfg.PublishTimeout}
	if st != nil {
		svcCfg.Store = st
	}
	if s.nats != nil {
		svcCfg.Pub = s.nats
	}
	s.svc = controlplane.New(svcCfg)
	s.svcRef.Store(s.svc)

	if st != nil {
		// Until the store is read, writes are refused and /readyz says 503;
		// /healthz answers as soon as HTTP listens, which is before the
		// restore (a large store takes a while to read).
		s.svc.BlockRestoring()
	}

	stopping, endLongPolls := context.WithCancel(context.Background())
	api := configapi.New(configapi.Config{
		Service: s.svc, Auth: cfg.Auth, Registry: reg, Log: log,
		Audit: logging.Logger(handler, "sie.audit"),
		Ready: s.svc.Unavailable, Stopping: stopping,
	})
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)))
	if err != nil {
		endLongPolls()
		s.closeBackground()
		return nil, err
	}
	s.ln = ln
	gate := newRestoreGate(api)
	if st == nil {
		gate.Open()
	}
	s.http = cfg.HTTPLimits.Server(gate)
	s.http.RegisterOnShutdown(endLongPolls) // long-polls answer at once on shutdown
	go func() { s.served <- s.http.Serve(ln) }()
	log.Info("sie-config listening", "addr", ln.Addr().String(), "store", describe(st), "nats", bus.RedactURL(cfg.NATSURL), "nats_auth", cfg.NATSCredentials.Describe(), "router_id", s.svc.RouterID(), "generation", s.svc.Generation(),
		"require_servable", cfg.RequireServable)
	if st != nil {
		err := s.initStore(ctx, snap)
		gate.Open()
		if err != nil {
			log.Error("config store unavailable at startup; retrying in the background", "store", st.Describe(), "err", err)
			s.svc.Block(err)
			s.wg.Add(1)
			go s.retryStore(bg, snap)
		}
	}
	return s, nil
}

func describe(st store.Store) string {
	if st == nil {
		return "none"
	}
	return st.Describe()
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// loadRegistry reads bundles and seeds; nil means the registry is absent.
func loadRegistry(cfg Config, log *slog.Logger) *catalog.Snapshot {
	bundles, err := catalog.LoadBundles(cfg.BundlesDir, log)
	if err != nil {
		log.Error("model registry unavailable", "err", err)
		return nil
	}
	seeds, err := catalog.LoadSeeds(cfg.ModelsDir, log)
	if err != nil {
		log.Error("model registry unavailable", "err", err)
		return nil
	}
	snap := catalog.NewSnapshot(bundles, seeds, log)
	log.Info("model registry loaded", "bundles", len(bundles), "models", snap.Len())
	return snap
}

// initStore reads the epoch and the generation and restores the API layer.
// A journal store (nats://, shared by active replicas) loads its state and
// is then followed for the other replicas' writes (replicas.go).
func (s *Server) initStore(ctx context.Context, snap *catalog.Snapshot) error {
	if s.svc.Replicated() {
		return s.initReplica(ctx, snap)
	}
	epoch, err := s.st.ReadEpoch(ctx)
	if err != nil {
		return err
	}
	gen, err := s.storeGeneration(ctx, epoch)
	if err != nil {
		return err
	}
	if s.cfg.Restore && snap != nil {
		restored, n, err := controlplane.Restore(ctx, snap, s.st, s.log)
		if err != nil {
			return err
		}
		s.log.Info("restored API documents from the store", "count", n)
		snap = restored
	}
	s.svc.Unblock(snap, epoch, gen)
	return nil
}

// storeGeneration returns the store's generation, creating a new one when
// there is none or when the epoch reads 0. An epoch of 0 is a fresh store,
// a lost or reset epoch object, or unreadable content: in every case a
// gateway holding a higher epoch must see a new sequence, not a rewind it
// might miss once writes bring the epoch back up.
func (s *Server) storeGeneration(ctx context.Context, epoch int64) (string, error) {
	gen, err := s.st.ReadGeneration(ctx)
	if err != nil {
		return "", err
	}
	if gen != "" && epoch != 0 {
		return gen, nil
	}
	fresh := store.NewGeneration()
	if err := s.st.WriteGeneration(ctx, fresh); err != nil {
		return "", err
	}
	s.log.Info("config store: new generation", "generation", fresh, "previous", orNone(gen), "epoch", epoch)
	return fresh, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func (s *Server) retryStore(ctx context.Context, snap *catalog.Snapshot) {
	defer s.wg.Done()
	t := time.NewTicker(storeRetryInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.initStore(ctx, snap); err != nil {
			s.log.Warn("config store still unavailable", "err", err)
			continue
		}
		s.log.Info("config store available; accepting writes")
		return
	}
}

// URL is the base URL the server listens on.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Addr is the listening address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Service exposes the write pipeline (tests).
func (s *Server) Service() *controlplane.Service { return s.svc }

// Shutdown stops accepting, lets in-flight requests finish (10 s max),
// drains NATS (5 s max) and releases the store. Later calls wait for the
// first and return its result.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutdownOnce.Do(func() {
		hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
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
	s.wg.Wait()
	if s.nats != nil {
		s.nats.Close(5 * time.Second)
	}
	if s.svc != nil {
		s.svc.Close()
	}
	s.metrics.NATSConnected.Set(0)
	if s.st != nil {
		_ = s.st.Close()
	}
}

// Run starts sie-config and serves until ctx is cancelled.
func Run(ctx context.Context, cfg Config) error {
	s, err := Start(ctx, cfg)
	if err != nil {
		return err
	}
	if cfg.PprofAddr != "" {
		stopPprof, err := servePprof(cfg.PprofAddr, s.log)
		if err != nil {
			_ = s.Shutdown(context.Background())
			return fmt.Errorf("SIE_PPROF_ADDR: %w", err)
		}
		defer stopPprof()
	}
	<-ctx.Done()
	s.log.Info("shutting down")
	return s.Shutdown(context.Background())
}
