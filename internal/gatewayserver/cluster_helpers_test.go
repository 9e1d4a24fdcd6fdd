package gatewayserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/sieproject/sie/internal/configserver"
	"github.com/sieproject/sie/internal/samplecatalog"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/workersim"
)

// cluster is one NATS server, one sie-config, gateways and simulated
// workers, all in-process on 127.0.0.1.
type cluster struct {
	t        testing.TB
	catalog  string // dir with bundles/ and models/
	natsPort int
	nats     *natsserver.Server
	config   *configserver.Server
	cfgPort  int
	gateways []*Server
	fleet    *workersim.Fleet
	client   *http.Client
	// storeDir, when set before startConfig, gives sie-config a local
	// store it restores from, so it can be restarted.
	storeDir string
}

func startNATSOn(t testing.TB, port int) *natsserver.Server {
	t.Helper()
	s := testkit.NATS(t, func(o *natsserver.Options) { o.Port = port })
	return s
}

func newCluster(t testing.TB) *cluster {
	t.Helper()
	c := &cluster{t: t, catalog: t.TempDir(), client: &http.Client{Timeout: 10 * time.Second}}
	if err := samplecatalog.WriteTo(c.catalog); err != nil {
		t.Fatal(err)
	}
	c.nats = startNATSOn(t, -1)
	c.natsPort = c.nats.Addr().(*net.TCPAddr).Port
	t.Cleanup(func() { c.nats.Shutdown() })
	c.startConfig(0)
	t.Cleanup(func() { _ = c.config.Shutdown(context.Background()) })
	return c
}

func (c *cluster) natsURL() string { return "nats://127.0.0.1:" + strconv.Itoa(c.natsPort) }

// startConfig starts sie-config, without a store (its epoch starts at 0)
// unless storeDir is set.
func (c *cluster) startConfig(port int) {
	c.t.Helper()
	srv, err := configserver.Start(context.Background(), configserver.Config{
		Host: "127.0.0.1", Port: port,
		BundlesDir: filepath.Join(c.catalog, "bundles"), ModelsDir: filepath.Join(c.catalog, "models"),
		StoreURL: c.storeDir, Restore: c.storeDir != "",
		NATSURL: c.natsURL(), RouterID: "sie-config-0", LogOutput: io.Discard,
	})
	if err != nil {
		c.t.Fatal(err)
	}
	c.config = srv
	c.cfgPort = srv.Addr().(*net.TCPAddr).Port
}

// startWorkers runs n simulated default-bundle workers on NATS.
func (c *cluster) startWorkers(n int) {
	c.t.Helper()
	c.startFleet(n, 0, nil)
}

// startGateway runs a gateway against the cluster; tweak adjusts its config.
func (c *cluster) startGateway(tweak func(*Config)) *Server {
	c.t.Helper()
	cfg, err := FromEnv(envOf(nil))
	if err != nil {
		c.t.Fatal(err)
	}
	cfg.Host, cfg.Port = "127.0.0.1", 0
	cfg.ConfigURL = c.config.URL()
	cfg.NATSURL = c.natsURL()
	cfg.LogOutput = io.Discard
	cfg.WSReconnectDelay = 100 * time.Millisecond
	cfg.HeartbeatCheckInterval = 100 * time.Millisecond
	cfg.NATSReconnectWait = 100 * time.Millisecond
	cfg.BackoffInitial, cfg.BackoffMax = 50*time.Millisecond, 200*time.Millisecond
	if c.fleet != nil {
		cfg.Workers = c.fleet.URLs()
	}
	if tweak != nil {
		tweak(&cfg)
	}
	s, err := Start(context.Background(), cfg)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	c.gateways = append(c.gateways, s)
	return s
}

// waitReady waits for every gateway's first bootstrap and NATS connection.
func (c *cluster) waitReady() {
	c.t.Helper()
	for _, g := range c.gateways {
		testkit.Eventually(c.t, 10*time.Second, "gateway ready and connected", func() bool { return g.Mirror().Ready() && g.NATSConnected() })
	}
}

// write sends a write to sie-config and returns the response epoch.
func (c *cluster) write(method, path, body string) (int, uint64) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.config.URL()+path, strings.NewReader(body))
	resp, err := c.client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v struct {
		Epoch uint64 `json:"epoch"`
	}
	_ = json.Unmarshal(raw, &v)
	return resp.StatusCode, v.Epoch
}

func (c *cluster) mustWrite(method, path, body string, want int) uint64 {
	c.t.Helper()
	status, epoch := c.write(method, path, body)
	if status != want {
		c.t.Fatalf("%s %s: %d, want %d", method, path, status, want)
	}
	return epoch
}

// get fetches a gateway path.
func (c *cluster) get(g *Server, path string) (int, string) {
	c.t.Helper()
	resp, err := c.client.Get(g.URL() + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// hasModel reports whether the gateway serves the model id.
func hasModel(g *Server, id string) bool {
	m := g.Mirror().Snapshot().Exact(id)
	return m != nil
}

// metric reads one sample line from a gateway's /metrics.
func (c *cluster) metric(g *Server, line string) float64 {
	c.t.Helper()
	_, body := c.get(g, "/metrics")
	sc := bufio.NewScanner(bytes.NewBufferString(body))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), line+" "); ok {
			v, _ := strconv.ParseFloat(rest, 64)
			return v
		}
	}
	return 0
}

// modelYAML is a strict-schema model on the default bundle's bert_flash.
func modelYAML(id string, profiles ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "sie_id: %s\nhf_id: %s\ntasks: {encode: {dense: {dim: 8}}}\nprofiles:\n", id, id)
	for i, p := range profiles {
		fmt.Fprintf(&b, "  %s:\n    adapter_path: sie_server.adapters.bert_flash:BertFlashAdapter\n    max_batch_tokens: %d\n", p, 512+i)
	}
	return b.String()
}
