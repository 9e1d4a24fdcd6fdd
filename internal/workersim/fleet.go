package workersim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/sieproject/sie/internal/bus"
)

// Fleet is a running set of simulated workers of one bundle, in one
// process, sharing one NATS connection.
type Fleet struct {
	cfg     Config
	log     *slog.Logger
	workers []*Worker
	servers []*http.Server
	addrs   []string
	conn    *bus.Conn
	catchUp *catchUp // nil without a config URL
	// stopBG ends the background goroutines (catch-up); bg tracks them.
	stopBG context.CancelFunc
	bg     sync.WaitGroup

	connected     chan struct{} // closed on the first NATS connect
	connectedOnce sync.Once
	failed        chan error // an HTTP server stopped on its own
	shutdownOnce  sync.Once
	done          chan struct{}
}

// Start loads the models directory, binds every worker's port, starts the
// HTTP servers and (in the background) the NATS subscription, and returns
// at once: HTTP serves before NATS is up. A model file a worker would reject
// fails the start with an error naming the file. The fleet shuts down when
// ctx is cancelled or Shutdown is called.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Fleet, error) {
	if cfg.NamePrefix == "" {
		cfg.NamePrefix = "sim"
	}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	files, err := ReadModelsDir(cfg.ModelsDir)
	if err != nil {
		return nil, err
	}
	adapters, err := ReadBundleAdapters(cfg.bundlesDir(), cfg.Bundle)
	if err != nil {
		return nil, fmt.Errorf("bundle %q: %w", cfg.Bundle, err)
	}
	startup := Startup{Bundle: cfg.Bundle, Adapters: adapters, Files: files}

	f := &Fleet{
		cfg:       cfg,
		log:       log,
		connected: make(chan struct{}),
		failed:    make(chan error, cfg.Count),
		done:      make(chan struct{}),
	}
	// Each worker loads on its own, as separate processes would; an invalid
	// file fails here, before any port is bound.
	states := make([]*State, cfg.Count)
	memo := newParseMemo()
	for i := range states {
		if states[i], err = NewState(startup); err != nil {
			return nil, err
		}
		states[i].memo = memo
	}
	listeners, err := listenAll(cfg)
	if err != nil {
		return nil, err
	}
	for i, state := range states {
		w := newWorker(cfg.workerName(i), &f.cfg, state, log)
		f.workers = append(f.workers, w)
		f.addrs = append(f.addrs, listeners[i].Addr().String())
		log.Info("simulated worker started", "worker", w.name, "addr", f.addrs[i],
			"bundle", state.Bundle(), "models", len(state.IDs()), "bundle_config_hash", state.Hash())
	}
	for i, w := range f.workers {
		srv := &http.Server{Handler: w.handler(), ReadHeaderTimeout: 10 * time.Second}
		f.servers = append(f.servers, srv)
		go func(ln net.Listener) {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				f.failed <- fmt.Errorf("worker %s: %w", w.name, err)
			}
		}(listeners[i])
	}
	bgCtx, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	f.stopBG = stopBG
	if cfg.ConfigURL != "" {
		f.catchUp = newCatchUp(&f.cfg, f.workers, log)
		f.bg.Add(1)
		go func() { defer f.bg.Done(); f.catchUp.run(bgCtx) }()
	}
	if cfg.NATSURL != "" {
		if err := f.subscribe(); err != nil {
			f.Shutdown(context.Background())
			return nil, err
		}
		f.startHeartbeats(bgCtx)
	}
	go func() {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			f.Shutdown(sctx)
		case <-f.done:
		}
	}()
	return f, nil
}

func listenAll(cfg Config) ([]net.Listener, error) {
	var out []net.Listener
	for i := range cfg.Count {
		port := 0
		if cfg.Port > 0 {
			port = cfg.Port + i
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(port)))
		if err != nil {
			closeAll(out)
			return nil, err
		}
		out = append(out, ln)
	}
	return out, nil
}

func closeAll(lns []net.Listener) {
	for _, ln := range lns {
		_ = ln.Close()
	}
}

// subscribe connects in the background and gives every worker its own
// subscription; the client library sends them once connected.
func (f *Fleet) subscribe() error {
	conn, err := bus.Connect(f.cfg.NATSURL, bus.Options{
		Name:          "sie-worker-sim-" + f.cfg.Bundle,
		Credentials:   f.cfg.NATSCredentials,
		RetryInterval: f.cfg.NATSRetryInterval,
		OnStateChange: func(up bool) {
			if !up {
				return
			}
			// A worker clears its epoch guard on every (re)connect, and a
			// catching-up worker reconciles (deltas may have been missed).
			for _, w := range f.workers {
				w.resetEpochs()
			}
			if f.catchUp != nil {
				f.catchUp.request()
			}
			for _, w := range f.workers {
				w.kickHeartbeat() // announce at once, not at the next tick
			}
			f.connectedOnce.Do(func() { close(f.connected) })
		},
	}, f.log)
	if err != nil {
		return fmt.Errorf("nats: %w", err)
	}
	f.conn = conn
	subject := bus.SubjectForBundle(f.cfg.Bundle)
	for _, w := range f.workers {
		if _, err := conn.Subscribe(subject, w.receive); err != nil {
			return fmt.Errorf("nats subscribe %s: %w", subject, err)
		}
	}
	return nil
}

// Workers returns the workers in index order.
func (f *Fleet) Workers() []*Worker { return f.workers }

// Addrs returns each worker's bound host:port, in index order.
func (f *Fleet) Addrs() []string { return append([]string(nil), f.addrs...) }

// URLs returns each worker's base URL (http://host:port), in index order.
func (f *Fleet) URLs() []string {
	out := make([]string, len(f.addrs))
	for i, a := range f.addrs {
		out[i] = "http://" + a
	}
	return out
}

// WaitSubscribed blocks until NATS is connected and the server has every
// worker's subscription, so a delta published afterwards reaches them.
func (f *Fleet) WaitSubscribed(ctx context.Context) error {
	if f.conn == nil {
		return errors.New("no NATS URL configured")
	}
	select {
	case <-f.connected:
	case <-ctx.Done():
		return ctx.Err()
	}
	return f.conn.Flush(ctx)
}

// Failed delivers the error of an HTTP server that stopped on its own.
func (f *Fleet) Failed() <-chan error { return f.failed }

// Done is closed once the fleet has shut down.
func (f *Fleet) Done() <-chan struct{} { return f.done }

// Shutdown stops the fleet as a worker stops on SIGTERM: ready=false, one
// last frame on every status socket, sockets closed, then the HTTP servers
// and the NATS connection. It is idempotent; later calls wait for the first.
func (f *Fleet) Shutdown(ctx context.Context) {
	f.shutdownOnce.Do(func() {
		defer close(f.done)
		f.stopBG()
		f.bg.Wait()
		for _, w := range f.workers {
			w.beginShutdown()
		}
		for _, w := range f.workers {
			waitGroup(ctx, &w.sockets, w.dropSockets)
		}
		for _, srv := range f.servers {
			if err := srv.Shutdown(ctx); err != nil {
				_ = srv.Close()
			}
		}
		if f.conn != nil {
			f.sayTerminated()
			f.conn.Close(2 * time.Second)
		}
		for _, w := range f.workers {
			w.queue.close()
		}
		f.log.Info("simulated workers stopped", "bundle", f.cfg.Bundle, "count", len(f.workers))
	})
	<-f.done
}

// waitGroup waits for wg; when ctx ends first it calls force and waits on.
func waitGroup(ctx context.Context, wg *sync.WaitGroup, force func()) {
	ch := make(chan struct{})
	go func() {
		wg.Wait()
		close(ch)
	}()
	select {
	case <-ch:
	case <-ctx.Done():
		force()
		<-ch
	}
}

// Run starts a fleet and blocks until ctx is cancelled (clean stop, nil) or
// a worker's HTTP server fails (error).
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	f, err := Start(runCtx, cfg, log)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		<-f.Done()
		return nil
	case err := <-f.Failed():
		cancel()
		<-f.Done()
		return err
	}
}
