package gatewayserver_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/gatewayserver"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/testkit/testcluster"
	"github.com/sieproject/sie/internal/workersim"
)

// cluster is an in-process cluster (NATS, sie-config, gateways, simulated
// workers on 127.0.0.1) with the helpers these tests share.
type cluster struct {
	*testcluster.Cluster
	t     testing.TB
	fleet *workersim.Fleet // the last fleet started
}

func newCluster(t testing.TB) *cluster { return newClusterWith(t, testcluster.Options{}) }

func newClusterWith(t testing.TB, o testcluster.Options) *cluster {
	t.Helper()
	return &cluster{Cluster: testcluster.New(t, o), t: t}
}

// startWorkers runs n simulated default-bundle workers on NATS.
func (c *cluster) startWorkers(n int) {
	c.t.Helper()
	c.startFleet(n, 0, nil)
}

// startFleet runs n default-bundle workers with fast status frames and NATS
// retries; port 0 picks free ports.
func (c *cluster) startFleet(n, port int, tweak func(*workersim.Config)) (*workersim.Fleet, func()) {
	c.t.Helper()
	f, stop := c.StartFleet("default", n, port, func(cfg *workersim.Config) {
		cfg.StatusInterval = 50 * time.Millisecond
		cfg.NATSRetryInterval = 100 * time.Millisecond
		if tweak != nil {
			tweak(cfg)
		}
	})
	c.fleet = f
	return f, stop
}

// startGateway runs a gateway against the cluster; tweak adjusts its config.
func (c *cluster) startGateway(tweak func(*gatewayserver.Config)) *gatewayserver.Server {
	c.t.Helper()
	return c.StartGateway(tweak)
}

// waitReady waits until every gateway has bootstrapped and is on NATS.
func (c *cluster) waitReady() {
	c.t.Helper()
	for _, g := range c.Gateways {
		testkit.Eventually(c.t, 10*time.Second, "gateway ready and connected", func() bool { return g.Mirror().Ready() && g.NATSConnected() })
	}
}

// write sends a write to sie-config and returns the response epoch.
func (c *cluster) write(method, path, body string) (int, uint64) {
	c.t.Helper()
	status, raw := c.Do(method, c.Config.URL()+path, body)
	var v struct {
		Epoch uint64 `json:"epoch"`
	}
	_ = json.Unmarshal([]byte(raw), &v)
	return status, v.Epoch
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
func (c *cluster) get(g *gatewayserver.Server, path string) (int, string) {
	c.t.Helper()
	return c.Do("GET", g.URL()+path, "")
}

// hasModel reports whether the gateway serves the model id.
func hasModel(g *gatewayserver.Server, id string) bool {
	m := g.Mirror().Snapshot().Exact(id)
	return m != nil
}

// metric reads one sample line from a gateway's /metrics.
func (c *cluster) metric(g *gatewayserver.Server, line string) float64 {
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
