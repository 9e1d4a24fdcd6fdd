package dashboard_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/sieproject/sie/internal/configserver"
	"github.com/sieproject/sie/internal/gatewayserver"
	"github.com/sieproject/sie/internal/samplecatalog"
	"github.com/sieproject/sie/internal/workersim"
)

// cluster is a real embedded NATS, sie-config on the sample catalog,
// simulated workers and gateways, all in-process on 127.0.0.1.
type cluster struct {
	t       testing.TB
	catalog string
	nats    *natsserver.Server
	config  *configserver.Server
	fleets  map[string]*workersim.Fleet // by name prefix + bundle
	client  *http.Client
}

func newCluster(t testing.TB) *cluster {
	t.Helper()
	c := &cluster{t: t, catalog: t.TempDir(), fleets: map[string]*workersim.Fleet{}, client: &http.Client{Timeout: 30 * time.Second}}
	if err := samplecatalog.WriteTo(c.catalog); err != nil {
		t.Fatal(err)
	}
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	c.nats = ns
	t.Cleanup(ns.Shutdown)
	cfg, err := configserver.Start(context.Background(), configserver.Config{
		Host: "127.0.0.1", BundlesDir: filepath.Join(c.catalog, "bundles"), ModelsDir: filepath.Join(c.catalog, "models"),
		NATSURL: ns.ClientURL(), RouterID: "sie-config-0", LogOutput: io.Discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	c.config = cfg
	t.Cleanup(func() { _ = cfg.Shutdown(context.Background()) })
	return c
}

// startWorkers runs one simulated worker of bundle named {prefix}-{bundle}-0,
// subscribed to its deltas before it returns.
func (c *cluster) startWorkers(prefix, bundle string) *workersim.Fleet {
	c.t.Helper()
	wc := workersim.DefaultConfig()
	wc.Bundle, wc.NamePrefix, wc.Port = bundle, prefix, 0
	wc.ModelsDir, wc.BundlesDir = filepath.Join(c.catalog, "models"), filepath.Join(c.catalog, "bundles")
	wc.NATSURL = c.nats.ClientURL()
	wc.ConfigURL, wc.ConfigPoll = c.config.URL(), time.Second
	f, err := workersim.Start(context.Background(), wc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { f.Shutdown(context.Background()) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.WaitSubscribed(ctx); err != nil {
		c.t.Fatal(err)
	}
	c.fleets[prefix+"-"+bundle] = f
	return f
}

// startGateway runs a gateway that knows every started worker; env adds
// environment settings (auth).
func (c *cluster) startGateway(env map[string]string, tweak func(*gatewayserver.Config)) *gatewayserver.Server {
	c.t.Helper()
	cfg, err := gatewayserver.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		c.t.Fatal(err)
	}
	cfg.Host, cfg.Port, cfg.LogOutput = "127.0.0.1", 0, io.Discard
	cfg.ConfigURL, cfg.NATSURL = c.config.URL(), c.nats.ClientURL()
	cfg.WSReconnectDelay, cfg.HeartbeatCheckInterval = 100*time.Millisecond, 100*time.Millisecond
	for _, f := range c.fleets {
		cfg.Workers = append(cfg.Workers, f.URLs()...)
	}
	if tweak != nil {
		tweak(&cfg)
	}
	g, err := gatewayserver.Start(context.Background(), cfg)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { _ = g.Shutdown(context.Background()) })
	waitFor(c.t, 15*time.Second, "gateway bootstrapped, on NATS, every worker healthy", func() bool {
		return g.Mirror().Ready() && g.NATSConnected() && g.Registry().HealthyCount() == len(cfg.Workers)
	})
	return g
}

// write sends a write to sie-config and returns its epoch.
func (c *cluster) write(method, path, body string, want int) uint64 {
	c.t.Helper()
	req, err := http.NewRequest(method, c.config.URL()+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
	}
	var v struct {
		Epoch uint64 `json:"epoch"`
	}
	_ = json.Unmarshal(raw, &v)
	return v.Epoch
}

// waitReady blocks on the gateway's status long-poll until the model is
// ready at epoch or later.
func (c *cluster) waitReady(g *gatewayserver.Server, id string, epoch uint64) {
	c.t.Helper()
	resp, err := c.client.Get(g.URL() + "/v1/configs/models/" + id + "/status?wait=ready&timeout=20s&min_epoch=" + jsonNumber(epoch))
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		State string `json:"state"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || v.State != "ready" {
		c.t.Fatalf("%s never ready on the gateway: %q %v", id, v.State, err)
	}
}

func jsonNumber(n uint64) string { b, _ := json.Marshal(n); return string(b) }

func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// strictModel is a document simulated workers hold in full, on the
// default bundle.
func strictModel(id string) string {
	return "sie_id: " + id + "\nhf_id: " + id + "\ntasks:\n  encode:\n    dense:\n      dim: 384\n" +
		"profiles:\n  default:\n    adapter_path: sie_server.adapters.sentence_transformer:SentenceTransformerAdapter\n    max_batch_tokens: 8192\n"
}

// stubModel has no tasks: workers hold a stub, so it is acked but
// cannot serve (acked_unservable).
func stubModel(id string) string {
	return "sie_id: " + id + "\nhf_id: " + id + "\nprofiles:\n  default:\n" +
		"    adapter_path: sie_server.adapters.sentence_transformer:SentenceTransformerAdapter\n    max_batch_tokens: 8192\n"
}
