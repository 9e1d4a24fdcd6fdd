package gatewayserver_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/gatewayserver"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/workersim"
)

// natsHealthGateway runs a gateway in health mode mode with fast silence
// checks; in nats mode it is given no static worker.
func (c *cluster) natsHealthGateway(mode string, silence time.Duration) *gatewayserver.Server {
	c.t.Helper()
	return c.startGateway(func(cfg *gatewayserver.Config) {
		cfg.HealthMode = mode
		cfg.NATSHealthTimeout = silence
		cfg.NATSHealthExpiryInterval = 20 * time.Millisecond
		if mode == gatewayserver.HealthNATS {
			cfg.Workers = nil
		}
	})
}

// heartbeating starts n workers named prefix-default-i in health mode mode,
// heartbeating every 50 ms.
func (c *cluster) heartbeating(prefix, mode string, n int) *workersim.Fleet {
	c.t.Helper()
	f, _ := c.startFleet(n, 0, func(cfg *workersim.Config) {
		cfg.NamePrefix, cfg.HealthMode, cfg.HeartbeatInterval = prefix, mode, 50*time.Millisecond
	})
	return f
}

// statusBody is the part of a /status answer these tests read.
type statusBody struct {
	State   string `json:"state"`
	Bundles []struct {
		AckedWorkers []string `json:"acked_workers"`
		Eligible     int      `json:"total_eligible_workers"`
		Workers      []struct {
			Name   string `json:"name"`
			Health string `json:"health"`
		} `json:"workers"`
	} `json:"bundles"`
}

func (c *cluster) healthStatus(g *gatewayserver.Server, id string) statusBody {
	c.t.Helper()
	var s statusBody
	if body := c.statusOf(g, id); body != "" {
		if err := json.Unmarshal([]byte(body), &s); err != nil {
			c.t.Fatal(err)
		}
	}
	return s
}

// healthNames lists /health's workers as name@url, and the cluster's
// worker_count.
func (c *cluster) healthNames(g *gatewayserver.Server) ([]string, int) {
	c.t.Helper()
	_, body := c.get(g, "/health")
	var h struct {
		Cluster struct {
			WorkerCount int `json:"worker_count"`
		} `json:"cluster"`
		Workers []struct {
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"workers"`
	}
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		c.t.Fatal(err)
	}
	var out []string
	for _, w := range h.Workers {
		out = append(out, w.Name+"@"+w.URL)
	}
	slices.Sort(out)
	return out, h.Cluster.WorkerCount
}

// In nats mode a gateway with no worker list discovers workers started
// after it by their first heartbeat; /status, /health and the metrics show
// them; a silent worker leaves after the silence timeout and a stopped one
// at once, by its terminated heartbeat.
func TestNATSHealthDiscoveryAndLeave(t *testing.T) {
	c := newCluster(t)
	g := c.natsHealthGateway(gatewayserver.HealthNATS, time.Second)
	c.waitReady()
	if n := g.Registry().HealthyCount(); n != 0 {
		t.Fatalf("%d workers before any started", n)
	}
	f, stop := c.startFleet(2, 0, func(cfg *workersim.Config) {
		cfg.HealthMode, cfg.HeartbeatInterval = workersim.HealthNATS, 50*time.Millisecond
	})
	testkit.Eventually(t, 10*time.Second, "both workers discovered", func() bool { return g.Registry().HealthyCount() == 2 })
	// A nats-mode worker serves no status WebSocket.
	if code, _ := c.Do(http.MethodGet, f.URLs()[0]+"/ws/status", ""); code != http.StatusNotFound {
		t.Fatalf("GET /ws/status on a nats-mode worker: %d", code)
	}

	c.mustWrite(http.MethodPost, "/v1/configs/models", modelYAML("nh/one", "default"), 201)
	testkit.Eventually(t, 10*time.Second, "ready on the discovered workers", func() (bool, string) {
		s := c.healthStatus(g, "nh/one")
		return s.State == "ready" && len(s.Bundles) == 1 && strings.Join(s.Bundles[0].AckedWorkers, ",") == "sim-default-0,sim-default-1", c.statusOf(g, "nh/one")
	})
	names, count := c.healthNames(g)
	if want := []string{"sim-default-0@sie.health.sim-default-0", "sim-default-1@sie.health.sim-default-1"}; !slices.Equal(names, want) || count != 2 {
		t.Fatalf("/health workers %v (worker_count %d), want %v", names, count, want)
	}
	if v := c.metric(g, `sie_gateway_workers{status="healthy"}`); v != 2 {
		t.Fatalf("sie_gateway_workers{healthy} = %v", v)
	}

	// Worker 1 goes silent: it leaves after the silence timeout.
	c.fault(1, `{"freeze_status":true}`)
	testkit.Eventually(t, 10*time.Second, "the silent worker removed", func() bool { return len(g.Registry().Workers()) == 1 })
	if s := c.healthStatus(g, "nh/one"); s.State != "ready" || s.Bundles[0].Eligible != 1 || len(s.Bundles[0].Workers) != 1 || s.Bundles[0].Workers[0].Name != "sim-default-0" {
		t.Fatalf("status after the silence: %+v", s)
	}
	if v := c.metric(g, `sie_gateway_workers_removed_total{reason="silence"}`); v != 1 {
		t.Fatalf("removed{silence} = %v", v)
	}

	// The fleet stops: worker 0 says terminated and leaves at once (well
	// inside the silence timeout, which the metric tells apart).
	stop()
	testkit.Eventually(t, 10*time.Second, "the stopped worker removed", func() bool { return len(g.Registry().Workers()) == 0 })
	if v := c.metric(g, `sie_gateway_workers_removed_total{reason="terminated"}`); v != 1 {
		t.Fatalf("removed{terminated} = %v", v)
	}
	if v := c.metric(g, `sie_gateway_workers_removed_total{reason="silence"}`); v != 1 {
		t.Fatalf("removed{silence} = %v after the clean stop", v)
	}
	if s := c.healthStatus(g, "nh/one"); s.State != "no_workers" {
		t.Fatalf("status with no worker left: %+v", s)
	}
	if v := c.metric(g, `sie_gateway_workers{status="healthy"}`); v != 0 {
		t.Fatalf("sie_gateway_workers{healthy} = %v after every worker left", v)
	}
}

// In both mode, a worker heard over its WebSocket and on NATS counts once,
// next to a WebSocket-only and a NATS-only worker: four workers, not six,
// in /status, /health, the metrics and the healthy count.
func TestNATSHealthBothCountsOnce(t *testing.T) {
	c := newCluster(t)
	c.heartbeating("both", workersim.HealthBoth, 2) // static list and NATS
	c.heartbeating("ws", workersim.HealthWS, 1)     // static list only
	natsOnly := c.heartbeating("nats", workersim.HealthNATS, 1)
	g := c.startGateway(func(cfg *gatewayserver.Config) {
		cfg.HealthMode = gatewayserver.HealthBoth
		// The NATS-only worker's URL is not a status WebSocket: leave it out.
		cfg.Workers = slices.DeleteFunc(cfg.Workers, func(u string) bool { return u == natsOnly.URLs()[0] })
	})
	c.waitReady()
	c.mustWrite(http.MethodPost, "/v1/configs/models", modelYAML("nh/both", "default"), 201)
	want := "both-default-0,both-default-1,nats-default-0,ws-default-0"
	testkit.Eventually(t, 10*time.Second, "four workers, each once, acked", func() (bool, string) {
		s := c.healthStatus(g, "nh/both")
		if s.State != "ready" || len(s.Bundles) != 1 || s.Bundles[0].Eligible != 4 {
			return false, c.statusOf(g, "nh/both")
		}
		return strings.Join(s.Bundles[0].AckedWorkers, ",") == want, c.statusOf(g, "nh/both")
	})
	if n := g.Registry().HealthyCount(); n != 4 {
		t.Fatalf("healthy count %d", n)
	}
	if n := len(g.Registry().Workers()); n != 4 {
		t.Fatalf("%d workers listed", n)
	}
	if s := c.healthStatus(g, "nh/both"); len(s.Bundles[0].Workers) != 4 {
		t.Fatalf("status workers: %+v", s.Bundles[0].Workers)
	}
	if _, count := c.healthNames(g); count != 4 {
		t.Fatalf("/health worker_count %d", count)
	}
	if v := c.metric(g, `sie_gateway_workers{status="healthy"}`); v != 4 {
		t.Fatalf("sie_gateway_workers{healthy} = %v", v)
	}
}

// The health mode is read from SIE_GATEWAY_HEALTH_MODE (ws by default); an
// unknown mode, or a NATS mode without NATS, refuses to start.
func TestHealthModeFromEnv(t *testing.T) {
	env := func(m map[string]string) gatewayserver.Getenv {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	cfg, err := gatewayserver.FromEnv(env(nil))
	if err != nil || cfg.HealthMode != "ws" || cfg.NATSHealthTimeout != 30*time.Second {
		t.Fatalf("defaults: %q %s %v", cfg.HealthMode, cfg.NATSHealthTimeout, err)
	}
	cfg, err = gatewayserver.FromEnv(env(map[string]string{"SIE_GATEWAY_HEALTH_MODE": " NATS ", "SIE_NATS_URL": "nats://n:4222", "SIE_GATEWAY_NATS_HEALTH_TIMEOUT_S": "12.5"}))
	if err != nil || cfg.HealthMode != "nats" || cfg.NATSHealthTimeout != 12500*time.Millisecond || slices.Contains(cfg.IgnoredEnv, "SIE_GATEWAY_HEALTH_MODE") {
		t.Fatalf("nats: %q %s %v %v", cfg.HealthMode, cfg.NATSHealthTimeout, cfg.IgnoredEnv, err)
	}
	for _, bad := range []map[string]string{
		{"SIE_GATEWAY_HEALTH_MODE": "websocket", "SIE_NATS_URL": "nats://n:4222"},
		{"SIE_GATEWAY_HEALTH_MODE": "nats"},
		{"SIE_GATEWAY_HEALTH_MODE": "both"},
	} {
		if _, err := gatewayserver.FromEnv(env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
