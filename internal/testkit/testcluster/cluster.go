// Package testcluster builds a small SIE cluster inside a test process: an
// embedded NATS (or one the test runs), a catalog (the built-in sample by
// default), sie-config (optionally on a local store it restores from, and
// restartable on its port), gateways and simulated worker fleets, each
// stopped when the test ends. It is apart from testkit because it imports
// the services: their own package-internal tests cannot import it.
package testcluster

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/sieproject/sie/internal/configserver"
	"github.com/sieproject/sie/internal/gatewayserver"
	"github.com/sieproject/sie/internal/samplecatalog"
	_ "github.com/sieproject/sie/internal/store/local" // sie-config's store
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/workersim"
)

// Options shape a cluster.
type Options struct {
	// Catalog is a directory with bundles/ and models/; "" writes the
	// built-in sample catalog to a temporary directory.
	Catalog string
	// StoreDir gives sie-config a local store there, restored at each
	// start; "" runs it without a store.
	StoreDir string
	// NATSURL is a NATS server the test runs itself; "" starts an embedded
	// one unless NoNATS.
	NATSURL string
	// NoNATS runs everything without NATS (sie-config standalone).
	NoNATS bool
	// NoConfig leaves starting sie-config to StartConfig.
	NoConfig bool
	// Config adjusts sie-config's configuration before every start.
	Config func(*configserver.Config)
}

// Cluster is the running cluster. Its fields are for reading.
type Cluster struct {
	t        testing.TB
	opts     Options
	NATS     *natsserver.Server // nil unless the cluster started it
	Catalog  string
	StoreDir string // "" without a store
	Config   *configserver.Server
	Gateways []*gatewayserver.Server
	Fleets   []*workersim.Fleet
	// Client has a timeout, for the helpers and the tests alike.
	Client *http.Client

	stopConfig func()
}

// New starts NATS and, unless Options.NoConfig, sie-config.
func New(t testing.TB, o Options) *Cluster {
	t.Helper()
	c := &Cluster{t: t, opts: o, Catalog: o.Catalog, StoreDir: o.StoreDir, Client: &http.Client{Timeout: 10 * time.Second}}
	if c.Catalog == "" {
		c.Catalog = t.TempDir()
		if err := samplecatalog.WriteTo(c.Catalog); err != nil {
			t.Fatal(err)
		}
	}
	if o.NATSURL == "" && !o.NoNATS {
		c.NATS = testkit.NATS(t)
	}
	if !o.NoConfig {
		c.StartConfig(0)
	}
	return c
}

// NATSURL is the URL every component connects to ("" without NATS).
func (c *Cluster) NATSURL() string {
	if c.NATS == nil {
		return c.opts.NATSURL
	}
	return c.NATS.ClientURL()
}

// StartConfig starts sie-config on port (0: any free one): its catalog,
// NATS, router id sie-config-0, the store when there is one (restored), no
// log output unless Options.Config sets one. It is stopped when the test
// ends, or by StopConfig.
func (c *Cluster) StartConfig(port int) *configserver.Server {
	c.t.Helper()
	cfg := configserver.Config{
		Host: "127.0.0.1", Port: port,
		BundlesDir: filepath.Join(c.Catalog, "bundles"), ModelsDir: filepath.Join(c.Catalog, "models"),
		StoreURL: c.StoreDir, Restore: c.StoreDir != "",
		NATSURL: c.NATSURL(), RouterID: "sie-config-0", LogOutput: io.Discard,
	}
	if c.opts.Config != nil {
		c.opts.Config(&cfg)
	}
	srv, err := configserver.Start(context.Background(), cfg)
	if err != nil {
		c.t.Fatal(err)
	}
	c.Config = srv
	c.stopConfig = sync.OnceFunc(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			c.t.Logf("sie-config shutdown: %v", err)
		}
	})
	c.t.Cleanup(c.stopConfig)
	return srv
}

// StopConfig shuts sie-config down (once); StartConfig may start it again.
func (c *Cluster) StopConfig() {
	if c.stopConfig != nil {
		c.stopConfig()
	}
}

// ConfigPort is the port sie-config listens on.
func (c *Cluster) ConfigPort() int { return c.Config.Addr().(*net.TCPAddr).Port }

// StartGateway starts a gateway against sie-config and NATS, knowing the
// workers of every running fleet, with test timings (reconnects,
// heartbeat checks and resync backoff in tens of milliseconds); tweak
// adjusts the rest. It is stopped when the test ends.
func (c *Cluster) StartGateway(tweak func(*gatewayserver.Config)) *gatewayserver.Server {
	c.t.Helper()
	cfg, err := gatewayserver.FromEnv(func(string) (string, bool) { return "", false })
	if err != nil {
		c.t.Fatal(err)
	}
	cfg.Host, cfg.Port = "127.0.0.1", 0
	if c.Config != nil {
		cfg.ConfigURL = c.Config.URL()
	}
	cfg.NATSURL = c.NATSURL()
	cfg.LogOutput = io.Discard
	cfg.WSReconnectDelay = 100 * time.Millisecond
	cfg.HeartbeatCheckInterval = 100 * time.Millisecond
	cfg.NATSReconnectWait = 100 * time.Millisecond
	cfg.BackoffInitial, cfg.BackoffMax = 50*time.Millisecond, 200*time.Millisecond
	for _, f := range c.Fleets {
		select {
		case <-f.Done(): // stopped
		default:
			cfg.Workers = append(cfg.Workers, f.URLs()...)
		}
	}
	if tweak != nil {
		tweak(&cfg)
	}
	g, err := gatewayserver.Start(context.Background(), cfg)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { _ = g.Shutdown(context.Background()) })
	c.Gateways = append(c.Gateways, g)
	return g
}

// StartFleet runs n simulated workers of bundle on the catalog's models,
// connected to NATS, on port and the next ones (0: free ports); tweak
// adjusts their configuration. It waits for their subscriptions (when they
// use NATS) and
// returns a stop (a worker's SIGTERM), which the test's end also calls.
func (c *Cluster) StartFleet(bundle string, n, port int, tweak func(*workersim.Config)) (*workersim.Fleet, func()) {
	c.t.Helper()
	cfg := workersim.DefaultConfig()
	cfg.Bundle, cfg.Count, cfg.Port = bundle, n, port
	cfg.ModelsDir = filepath.Join(c.Catalog, "models")
	cfg.BundlesDir = filepath.Join(c.Catalog, "bundles")
	cfg.NATSURL = c.NATSURL()
	if tweak != nil {
		tweak(&cfg)
	}
	f, err := workersim.Start(context.Background(), cfg, testkit.Discard())
	if err != nil {
		c.t.Fatal(err)
	}
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		f.Shutdown(ctx)
	}
	c.t.Cleanup(stop)
	if cfg.NATSURL != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := f.WaitSubscribed(ctx); err != nil {
			c.t.Fatalf("workers not subscribed: %v", err)
		}
	}
	c.Fleets = append(c.Fleets, f)
	return f, stop
}

// Do sends a request to base+path and returns the status and body.
func (c *Cluster) Do(method, url, body string) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	resp, err := c.Client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}
