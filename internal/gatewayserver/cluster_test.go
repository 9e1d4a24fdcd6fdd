package gatewayserver_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/sieproject/sie/internal/gatewayserver"
	"github.com/sieproject/sie/internal/testkit"
)

// statusOf returns the /status answer of id on g ("" until it is known).
func (c *cluster) statusOf(g *gatewayserver.Server, id string) string {
	c.t.Helper()
	code, body := c.get(g, "/v1/configs/models/"+id+"/status")
	if code != 200 {
		return ""
	}
	return body
}

func (c *cluster) fault(i int, body string) {
	c.t.Helper()
	resp, err := c.Client.Post(c.fleet.URLs()[i]+"/sim/faults", "application/json", strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
}

// Item 8 with NATS up: a POST shows on both gateways within 1 s; /status
// acks once the workers report the hash, is pending while one lags and
// drops a ready=false worker; PUT and DELETE reach both gateways; a delta
// dropped on purpose is repaired at once by gap detection.
func TestClusterDeltas(t *testing.T) {
	c := newCluster(t)
	c.startWorkers(2)
	var dropNext atomic.Bool
	a := c.startGateway(func(cfg *gatewayserver.Config) {
		cfg.PollInterval = time.Hour // only deltas and gaps may converge this gateway
		cfg.DeltaFilter = func([]byte) bool { return !dropNext.CompareAndSwap(true, false) }
	})
	b := c.startGateway(func(cfg *gatewayserver.Config) { cfg.PollInterval = time.Hour })
	c.waitReady()
	for _, g := range c.Gateways {
		testkit.Eventually(t, 10*time.Second, "workers healthy", func() bool { return g.Registry().HealthyCount() == 2 })
	}

	// A POST shows on both gateways within 1 s of the response.
	epoch := c.mustWrite(http.MethodPost, "/v1/configs/models", modelYAML("it/one", "default"), 201)
	posted := time.Now()
	for _, g := range c.Gateways {
		testkit.Eventually(t, time.Second, "POST visible", func() bool { return hasModel(g, "it/one") })
		if got := g.Mirror().Snapshot().Epoch(); got != epoch {
			t.Fatalf("gateway epoch %d, write epoch %d", got, epoch)
		}
	}
	t.Logf("POST visible on both gateways %s after the response", time.Since(posted))

	// Both workers apply the delta and report the hash → acked.
	for _, g := range c.Gateways {
		testkit.Eventually(t, 5*time.Second, "acked", func() bool { return strings.Contains(c.statusOf(g, "it/one"), `"all_bundles_acked":true`) })
	}
	if s := c.statusOf(a, "it/one"); !strings.Contains(s, `"acked_workers":["sim-default-0","sim-default-1"]`) {
		t.Fatalf("acked workers: %s", s)
	}

	// One worker lags: pending until it applies.
	c.fault(1, `{"apply_lag_ms":1500}`)
	c.mustWrite(http.MethodPost, "/v1/configs/models", modelYAML("it/two", "default"), 201)
	testkit.Eventually(t, 5*time.Second, "pending", func() bool {
		s := c.statusOf(a, "it/two")
		return strings.Contains(s, `"pending_workers":["sim-default-1"]`) && strings.Contains(s, `"all_bundles_acked":false`)
	})
	testkit.Eventually(t, 10*time.Second, "lagging worker catches up", func() bool { return strings.Contains(c.statusOf(a, "it/two"), `"all_bundles_acked":true`) })
	c.fault(1, `{"apply_lag_ms":0}`)

	// ready=false drops a worker out of acked_workers (D3k).
	c.fault(0, `{"ready":false}`)
	for _, g := range c.Gateways {
		testkit.Eventually(t, 5*time.Second, "ready=false drops out", func() bool {
			s := c.statusOf(g, "it/two")
			return strings.Contains(s, `"acked_workers":["sim-default-1"]`) && strings.Contains(s, `"total_eligible_workers":1`)
		})
	}
	c.fault(0, `{"ready":true}`)

	// PUT replaces and DELETE removes, on both gateways.
	c.mustWrite(http.MethodPut, "/v1/configs/models/it/one", modelYAML("it/one", "fast"), 200)
	for _, g := range c.Gateways {
		testkit.Eventually(t, time.Second, "PUT visible", func() bool {
			m := g.Mirror().Snapshot().Exact("it/one")
			return m != nil && strings.Join(m.ProfileNames, ",") == "fast"
		})
	}
	c.mustWrite(http.MethodDelete, "/v1/configs/models/it/one", "", 200)
	for _, g := range c.Gateways {
		testkit.Eventually(t, time.Second, "DELETE visible", func() bool { return !hasModel(g, "it/one") })
		if code, _ := c.get(g, "/v1/configs/models/it/one"); code != 404 {
			t.Fatalf("deleted model still served: %d", code)
		}
	}

	// A dropped delta: the next one skips an epoch → immediate resync.
	gapsBefore := c.metric(a, `sie_gateway_config_resyncs_total{result="success",trigger="gap"}`)
	dropNext.Store(true)
	c.mustWrite(http.MethodPost, "/v1/configs/models", modelYAML("it/lost", "default"), 201)
	testkit.Eventually(t, time.Second, "b sees the write", func() bool { return hasModel(b, "it/lost") })
	if hasModel(a, "it/lost") {
		t.Fatal("the delta was not dropped")
	}
	last := c.mustWrite(http.MethodPost, "/v1/configs/models", modelYAML("it/next", "default"), 201)
	// The resync is counted after its swap: wait for both.
	testkit.Eventually(t, 2*time.Second, "gap resync", func() bool {
		return hasModel(a, "it/lost") && hasModel(a, "it/next") && a.Mirror().Snapshot().Epoch() == last &&
			c.metric(a, `sie_gateway_config_resyncs_total{result="success",trigger="gap"}`) > gapsBefore
	})
	if got := c.metric(a, `sie_gateway_config_resyncs_total{result="success",trigger="gap"}`); got != gapsBefore+1 {
		t.Fatalf("gap resyncs %v → %v", gapsBefore, got)
	}
	if got := c.metric(a, `sie_gateway_config_deltas_total{kind="model_added",result="gap"}`); got != 1 {
		t.Fatalf("gap deltas %v", got)
	}
}

// Item 8 without NATS delivery: NATS stopped and restarted mid-run, the
// gateways still disconnected → they converge through the poller; then
// sie-config restarted without a store (a lower epoch) → they follow.
func TestClusterDrift(t *testing.T) {
	c := newCluster(t)
	for i := 0; i < 2; i++ {
		c.startGateway(func(cfg *gatewayserver.Config) {
			cfg.PollInterval = 100 * time.Millisecond
			cfg.NATSReconnectWait = time.Minute // stay disconnected after the restart
		})
	}
	c.waitReady()
	c.mustWrite(http.MethodPost, "/v1/configs/models", modelYAML("drift/before", "default"), 201)
	for _, g := range c.Gateways {
		testkit.Eventually(t, 2*time.Second, "delta", func() bool { return hasModel(g, "drift/before") })
	}

	natsPort := testkit.NATSPort(c.NATS)
	c.NATS.Shutdown()
	for _, g := range c.Gateways {
		testkit.Eventually(t, 5*time.Second, "gateway sees NATS down", func() bool { return !g.NATSConnected() })
	}
	c.NATS = testkit.NATS(t, func(o *natsserver.Options) { o.Port = natsPort })
	// sie-config reconnects within its 2 s retry and accepts writes again.
	var epoch uint64
	testkit.Eventually(t, 10*time.Second, "sie-config writes again", func() bool {
		var status int
		status, epoch = c.write(http.MethodPost, "/v1/configs/models", modelYAML("drift/during", "default"))
		return status == 201
	})
	for _, g := range c.Gateways {
		testkit.Eventually(t, 2*time.Second, "poller convergence", func() bool {
			return hasModel(g, "drift/during") && g.Mirror().Snapshot().Epoch() == epoch
		})
		if g.NATSConnected() {
			t.Fatal("the gateway must still be disconnected: convergence came from the poller")
		}
		if got := c.metric(g, `sie_gateway_config_resyncs_total{result="success",trigger="poll_epoch"}`); got < 1 {
			t.Fatalf("poll_epoch resyncs %v", got)
		}
	}

	// sie-config restarts without a store on the same address: epoch 0,
	// the seeds only, a new generation. The gateways follow the rewind.
	port := c.ConfigPort()
	c.StopConfig()
	c.StartConfig(port)
	for _, g := range c.Gateways {
		testkit.Eventually(t, 5*time.Second, "rewind", func() bool {
			st := g.Mirror().Snapshot()
			return st.Epoch() == 0 && !hasModel(g, "drift/before") && !hasModel(g, "drift/during") && hasModel(g, "BAAI/bge-m3")
		})
		if got := c.metric(g, `sie_gateway_config_resyncs_total{result="success",trigger="generation"}`); got != 1 {
			t.Fatalf("generation resyncs %v", got)
		}
	}
}

// D3j: with the config URL pointing at a dead port /readyz is 503, and 200
// once sie-config comes up and the first resync succeeds.
func TestReadinessWaitsForBootstrap(t *testing.T) {
	c := newCluster(t)
	port := c.ConfigPort()
	c.StopConfig()
	g := c.startGateway(func(cfg *gatewayserver.Config) { cfg.NATSURL = "" })
	code, body := c.get(g, "/readyz")
	if code != 503 || body != `{"healthy_workers":0,"message":"Waiting for the first configuration bootstrap from sie-config","status":"not_ready"}` {
		t.Fatalf("%d %s", code, body)
	}
	c.StartConfig(port)
	testkit.Eventually(t, 5*time.Second, "ready", func() bool { code, _ := c.get(g, "/readyz"); return code == 200 })
	noURL := c.startGateway(func(cfg *gatewayserver.Config) { cfg.ConfigURL, cfg.NATSURL = "", "" })
	if code, _ := c.get(noURL, "/readyz"); code != 200 {
		t.Fatalf("without a config URL: %d", code)
	}
}
