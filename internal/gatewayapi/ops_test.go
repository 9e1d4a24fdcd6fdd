package gatewayapi

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// D3j: /readyz waits for the first bootstrap; healthy_workers counts.
func TestProbes(t *testing.T) {
	e := newEnv(t, state(t, 0), Auth{})
	e.mirror.ready = false
	e.worker("http://a", "a", "default", "", true)
	e.worker("http://b", "b", "default", "", false)
	expect(t, e.get("/healthz"), 200, `{"status":"ok"}`)
	expect(t, e.get("/readyz"), 503, `{"healthy_workers":1,"message":"Waiting for the first configuration bootstrap from sie-config","status":"not_ready"}`)
	e.mirror.ready = true
	expect(t, e.get("/readyz"), 200, `{"healthy_workers":1,"status":"ready"}`)
}

// worker_registry.rs #20–#25 (cluster status) and /health's shape.
func TestHealth(t *testing.T) {
	e := newEnv(t, state(t, 0), Auth{})
	expect(t, e.get("/health"), 200,
		`{"cluster":{"gpu_count":0,"models_loaded":0,"total_qps":0.0,"worker_count":0},"configured_gpu_types":[],"live_gpu_types":[],"models":[],"status":"degraded","type":"gateway","workers":[]}`)
	e.worker("http://b", "b", "default", "h", true, "m1", "m2")
	e.worker("http://a", "a", "sglang", "", true, "m1")
	e.worker("http://c", "c", "default", "", false, "m3")
	r := e.get("/health")
	var body struct {
		Cluster map[string]any   `json:"cluster"`
		Models  []map[string]any `json:"models"`
		Status  string           `json:"status"`
		Live    []string         `json:"live_gpu_types"`
		Workers []map[string]any `json:"workers"`
	}
	if err := json.Unmarshal([]byte(r.body), &body); err != nil {
		t.Fatal(err)
	}
	if body.Status != "healthy" || body.Cluster["worker_count"] != 2.0 || body.Cluster["gpu_count"] != 2.0 || body.Cluster["models_loaded"] != 2.0 {
		t.Fatalf("cluster: %s", r.body)
	}
	if len(body.Workers) != 3 || body.Workers[0]["url"] != "http://a" || body.Workers[2]["healthy"] != false {
		t.Fatalf("workers list every known worker, sorted: %s", r.body)
	}
	if len(body.Models) != 2 || body.Models[0]["name"] != "m1" || body.Models[0]["worker_count"] != 2.0 || body.Models[0]["state"] != "loaded" {
		t.Fatalf("models: %s", r.body)
	}
	if strings.Join(body.Live, ",") != "l4" {
		t.Fatalf("gpu types: %v", body.Live)
	}
	if !strings.Contains(r.body, `{"bundle":"default","bundle_config_hash":"h","gpu":"l4","gpu_count":1,"healthy":true,"loaded_models":["m1","m2"],"memory_total_bytes":0,"memory_used_bytes":0,"name":"b","queue_depth":1,"url":"http://b"}`) {
		t.Fatalf("worker entry: %s", r.body)
	}
}

// handlers/models.rs #12–#16.
func TestV1Models(t *testing.T) {
	e := newEnv(t, state(t, 0, modelDoc("org/m", bertFlash)), Auth{})
	expect(t, e.get("/v1/models"), 200, `{"models":[{"bundles":["default"],"loaded":false,"name":"org/m","worker_count":0,"workers":[]}]}`)
	expect(t, e.get("/v1/models/org/m"), 200, `{"bundles":["default"],"loaded":false,"name":"org/m","worker_count":0,"workers":[]}`)
	e.worker("http://w", "w", "default", "", true, "org/m")
	expect(t, e.get("/v1/models/org/m"), 200, `{"bundles":["default"],"loaded":true,"name":"org/m","worker_count":1,"workers":["http://w"]}`)
	expect(t, e.get("/v1/models/nope"), 404, `{"message":"Model 'nope' not found"}`)
	empty := newEnv(t, state(t, 0), Auth{})
	expect(t, empty.get("/v1/models/nope"), 404, `{"message":"Model 'nope' not found"}`)
	empty.worker("http://w", "w", "default", "", true, "live/one")
	expect(t, empty.get("/v1/models"), 200, `{"models":[{"bundles":[],"loaded":true,"name":"live/one","worker_count":1,"workers":["http://w"]}]}`)
	expect(t, empty.get("/v1/models/live/one"), 200, `{"bundles":[],"loaded":true,"name":"live/one","worker_count":1,"workers":["http://w"]}`)
}

func TestMetricsAndClusterStatus(t *testing.T) {
	reg := prometheus.NewRegistry()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "sie_gateway_config_epoch", Help: "L"})
	reg.MustRegister(g)
	g.Set(5)
	e := newEnv(t, state(t, 0), Auth{})
	e.srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.srv = httptest.NewServer(New(Config{Mirror: e.mirror, Workers: e.reg, Gatherer: reg, Context: ctx}))
	defer e.srv.Close()
	if r := e.get("/metrics"); r.status != 200 || !strings.Contains(r.body, "sie_gateway_config_epoch 5") {
		t.Fatalf("metrics: %d %s", r.status, r.body)
	}
	e.worker("http://w", "w", "default", "", true)
	dctx, dcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer dcancel()
	c, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/ws/cluster-status", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	_, data, err := c.Read(dctx)
	if err != nil {
		t.Fatal(err)
	}
	var frame map[string]any
	if err := json.Unmarshal(data, &frame); err != nil || frame["timestamp"] == nil || frame["cluster"] == nil || len(frame["workers"].([]any)) != 1 {
		t.Fatalf("frame %s %v", data, err)
	}
	cancel() // shutdown closes the stream
	if _, _, err := c.Read(dctx); err == nil {
		t.Fatal("stream must close on shutdown")
	}
}
