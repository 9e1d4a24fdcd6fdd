package workersim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nats-io/nats.go"

	"github.com/sieproject/sie/internal/configdelta"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/workerview"
	"github.com/sieproject/sie/internal/yamldoc"
)

const testBundle = "name: default\npriority: 10\nadapters: [sie_server.adapters.bert_flash]\n"

const seedModel = `sie_id: seed/model
hf_id: seed/model
tasks: {encode: {dense: {dim: 8}}}
profiles:
  default:
    adapter_path: sie_server.adapters.bert_flash:BertFlashAdapter
    max_batch_tokens: 8192
  fast:
    extends: default
    max_batch_tokens: 512
`

// writeDirs lays out bundles/ and models/ as a worker image has them.
func writeDirs(t *testing.T, models map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for sub, files := range map[string]map[string]string{"bundles": {"default.yaml": testBundle}, "models": models} {
		dir := filepath.Join(root, sub)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, text := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return filepath.Join(root, "models")
}

func startNATS(t *testing.T) string {
	t.Helper()
	s := testkit.NATS(t)
	return s.ClientURL()
}

func startFleet(t *testing.T, cfg Config) *Fleet {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f, err := Start(ctx, cfg, testkit.Discard())
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		<-f.Done()
	})
	if cfg.NATSURL != "" {
		wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer wcancel()
		if err := f.WaitSubscribed(wctx); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func testConfig(modelsDir, natsURL string) Config {
	cfg := DefaultConfig()
	cfg.Bundle, cfg.ModelsDir, cfg.NATSURL, cfg.Port = "default", modelsDir, natsURL, 0
	return cfg
}

// payload is a delta as sie-config publishes it (sie-config.md §9.2).
func payload(modelID string, epoch int64, modelConfig string) []byte {
	p := configdelta.Payload{RouterID: "sie-config-0", BundleID: "default", Epoch: uint64(epoch),
		BundleConfigHash: "ignored", ModelID: modelID, ProfilesAdded: []string{"default"},
		ModelConfig: modelConfig, AffectedBundles: []string{"default"}}
	return p.Encode()
}

func publish(t *testing.T, url string, msgs ...[]byte) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	for _, m := range msgs {
		if err := nc.Publish("sie.config.models.default", m); err != nil {
			t.Fatal(err)
		}
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
}

// expectedHash is the gateway's independent prediction (hashes.md §4.3)
// over effective documents: each one in its worker view.
func expectedHash(t *testing.T, docs ...string) string {
	t.Helper()
	var held []*workerview.Model
	for _, text := range docs {
		d, err := yamldoc.Parse([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		id, _ := d.Get("sie_id")
		if v := workerview.Held(d, id.(string)); v != nil {
			held = append(held, v)
		}
	}
	return workerview.BundleHash(held)
}

type statusClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func dialStatus(t *testing.T, addr string) *statusClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws/status", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(1 << 20)
	t.Cleanup(func() { c.CloseNow() })
	return &statusClient{t: t, conn: c}
}

func (s *statusClient) next(ctx context.Context) (map[string]any, []byte, error) {
	typ, data, err := s.conn.Read(ctx)
	if err != nil {
		return nil, nil, err
	}
	if typ != websocket.MessageText {
		s.t.Fatalf("frame type %v, want text", typ)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		s.t.Fatalf("frame is not a JSON object: %v", err)
	}
	return m, data, nil
}

// waitFor reads frames until cond holds, failing at the deadline.
func (s *statusClient) waitFor(what string, cond func(map[string]any) bool) map[string]any {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var last map[string]any
	for {
		m, _, err := s.next(ctx)
		if err != nil {
			s.t.Fatalf("waiting for %s: %v (last frame %v)", what, err, last)
		}
		if cond(m) {
			return m
		}
		last = m
	}
}

func hashIs(h string) func(map[string]any) bool {
	return func(m map[string]any) bool { return m["bundle_config_hash"] == h }
}

func getState(t *testing.T, addr string) map[string]any {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func postFaults(t *testing.T, addr, body string) map[string]any {
	t.Helper()
	resp, err := http.Post("http://"+addr+"/sim/faults", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /sim/faults: %d", resp.StatusCode)
	}
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

const apiModel = `sie_id: api/added
hf_id: api/added
description: added through the Config API
tasks: {encode: {dense: {dim: 8}}}
profiles:
  default:
    adapter_path: sie_server.adapters.bert_flash:BertFlashAdapter
    max_batch_tokens: 4096
    compute_precision: bfloat16
`

func TestDeltaChangesReportedHash(t *testing.T) {
	url := startNATS(t)
	modelsDir := writeDirs(t, map[string]string{"seed.yaml": seedModel})
	cfg := testConfig(modelsDir, url)
	cfg.Count = 2
	f := startFleet(t, cfg)

	for i, w := range f.Workers() {
		if want := fmt.Sprintf("sim-default-%d", i); w.Name() != want {
			t.Errorf("worker %d name %q, want %q", i, w.Name(), want)
		}
	}
	// The startup hash holds the seed only: its variant entry is filtered out.
	startHash := expectedHash(t, seedModel)
	ws := dialStatus(t, f.Addrs()[1])
	first, _, err := ws.next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if first["bundle_config_hash"] != startHash || first["name"] != "sim-default-1" {
		t.Fatalf("first frame: hash %v name %v, want %s", first["bundle_config_hash"], first["name"], startHash)
	}

	publish(t, url, payload("api/added", 1, apiModel))
	want := expectedHash(t, seedModel, apiModel)
	if want == startHash {
		t.Fatal("test delta does not change the hash")
	}
	ws.waitFor("the delta's hash", hashIs(want))
	// Every worker of the bundle has its own subscription.
	testkit.Eventually(t, 10*time.Second, "worker 0 to apply", func() bool { return f.Workers()[0].Hash() == want })
}

func TestEpochGuardDropsStaleDelta(t *testing.T) {
	url := startNATS(t)
	f := startFleet(t, testConfig(writeDirs(t, map[string]string{"seed.yaml": seedModel}), url))
	addr := f.Addrs()[0]
	ws := dialStatus(t, addr)

	v1 := strings.Replace(apiModel, "max_batch_tokens: 4096", "max_batch_tokens: 1000", 1)
	v2 := strings.Replace(apiModel, "max_batch_tokens: 4096", "max_batch_tokens: 2000", 1)
	marker := strings.ReplaceAll(seedModel, "seed/model", "marker/model")

	publish(t, url, payload("api/added", 5, v1))
	ws.waitFor("epoch 5", hashIs(expectedHash(t, seedModel, v1)))

	// Same epoch, different document: stale. The marker (another model)
	// follows on the same subscription, so once it shows, the stale delta
	// has been handled.
	publish(t, url, payload("api/added", 5, v2), payload("marker/model", 6, marker))
	got := ws.waitFor("the marker", func(m map[string]any) bool {
		return m["bundle_config_hash"] != expectedHash(t, seedModel, v1)
	})
	if want := expectedHash(t, seedModel, v1, marker); got["bundle_config_hash"] != want {
		stale := expectedHash(t, seedModel, v2, marker)
		t.Fatalf("hash %v, want %s (stale applied would be %s)", got["bundle_config_hash"], want, stale)
	}
	st := getState(t, addr)
	epochs := st["model_epochs"].(map[string]any)
	if epochs["api/added"] != 5.0 || epochs["marker/model"] != 6.0 {
		t.Errorf("model_epochs %v", epochs)
	}
	if st["deltas_received"] != 3.0 || st["deltas_applied"] != 2.0 || st["deltas_dropped"] != 0.0 {
		t.Errorf("counters %v", st)
	}
	// A higher epoch for the same model applies again.
	publish(t, url, payload("api/added", 7, v2))
	ws.waitFor("epoch 7", hashIs(expectedHash(t, seedModel, v2, marker)))
}

func TestStartupRejectsInvalidModelFile(t *testing.T) {
	modelsDir := writeDirs(t, map[string]string{"seed.yaml": seedModel, "broken.yaml": "sie_id: broken\nprofiles: {}\n"})
	_, err := Start(context.Background(), testConfig(modelsDir, ""), testkit.Discard())
	if err == nil || !strings.Contains(err.Error(), "broken.yaml") {
		t.Fatalf("err = %v, want one naming broken.yaml", err)
	}
	_, err = Start(context.Background(), func() Config { c := testConfig(modelsDir, ""); c.Bundle = "nope"; return c }(), testkit.Discard())
	if err == nil {
		t.Fatal("a missing bundle file must fail the start")
	}
}

func TestProbesAndShutdown(t *testing.T) {
	cfg := testConfig(writeDirs(t, map[string]string{"seed.yaml": seedModel}), "")
	cfg.NotReady = true
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := Start(ctx, cfg, testkit.Discard())
	if err != nil {
		t.Fatal(err)
	}
	addr := f.Addrs()[0]
	check := func(path string, code int, body string) {
		t.Helper()
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != code || (body != "" && string(b) != body) {
			t.Errorf("GET %s: %d %q, want %d %q", path, resp.StatusCode, b, code, body)
		}
	}
	check("/healthz", 200, "ok")
	check("/readyz", 503, "not ready")
	check("/health", 404, "")

	ws := dialStatus(t, addr)
	ws.waitFor("ready=false", func(m map[string]any) bool { return m["ready"] == false })
	postFaults(t, addr, `{"ready": true}`)
	ws.waitFor("ready=true", func(m map[string]any) bool { return m["ready"] == true })
	check("/readyz", 200, "ok")

	// Shutdown: one last frame with ready=false, then a close.
	cancel()
	ws.waitFor("the shutdown frame", func(m map[string]any) bool { return m["ready"] == false })
	rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer rcancel()
	for {
		if _, _, err := ws.next(rctx); err != nil {
			if websocket.CloseStatus(err) != websocket.StatusGoingAway {
				t.Errorf("close: %v, want going away", err)
			}
			break
		}
	}
	<-f.Done()
}

func TestFaultInjection(t *testing.T) {
	url := startNATS(t)
	cfg := testConfig(writeDirs(t, map[string]string{"seed.yaml": seedModel}), url)
	cfg.DropDeltas = 1
	f := startFleet(t, cfg)
	addr := f.Addrs()[0]
	startHash := f.Workers()[0].Hash()

	// The first delta is dropped without touching the epoch guard, so the
	// same epoch applies when re-sent.
	publish(t, url, payload("api/added", 1, apiModel))
	testkit.Eventually(t, 10*time.Second, "the drop", func() bool { return getState(t, addr)["deltas_dropped"] == 1.0 })
	if f.Workers()[0].Hash() != startHash || len(getState(t, addr)["model_epochs"].(map[string]any)) != 0 {
		t.Fatal("a dropped delta changed the worker")
	}
	publish(t, url, payload("api/added", 1, apiModel))
	testkit.Eventually(t, 10*time.Second, "the apply", func() bool { return f.Workers()[0].Hash() == expectedHash(t, seedModel, apiModel) })

	// Apply lag holds a received delta back.
	st := postFaults(t, addr, `{"apply_lag_ms": 3600000}`)
	if st["apply_lag_ms"] != 3600000.0 {
		t.Errorf("apply_lag_ms %v", st["apply_lag_ms"])
	}
	publish(t, url, payload("api/added", 2, seedModel))
	testkit.Eventually(t, 10*time.Second, "receipt", func() bool { return getState(t, addr)["deltas_received"] == 3.0 })
	if getState(t, addr)["deltas_applied"] != 1.0 {
		t.Error("a lagged delta was applied at once")
	}

	// disconnect_ws drops the status socket.
	ws := dialStatus(t, addr)
	if _, _, err := ws.next(context.Background()); err != nil {
		t.Fatal(err)
	}
	postFaults(t, addr, `{"disconnect_ws": true}`)
	rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		if _, _, err := ws.next(rctx); err != nil {
			if rctx.Err() != nil {
				t.Fatal("socket not dropped")
			}
			break
		}
	}

	// Invalid fault bodies are refused.
	resp, err := http.Post("http://"+addr+"/sim/faults", "application/json", strings.NewReader(`{"drop_deltas": -1}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("negative drop_deltas: %d", resp.StatusCode)
	}
}

func TestDropFractionAndFreeze(t *testing.T) {
	url := startNATS(t)
	cfg := testConfig(writeDirs(t, map[string]string{"seed.yaml": seedModel}), url)
	cfg.DropFraction = 0.5
	cfg.StatusInterval = 20 * time.Millisecond
	f := startFleet(t, cfg)
	addr := f.Addrs()[0]
	var msgs [][]byte
	for i := range 4 {
		msgs = append(msgs, payload(fmt.Sprintf("m/%d", i), 1, strings.ReplaceAll(seedModel, "seed/model", fmt.Sprintf("m/%d", i))))
	}
	publish(t, url, msgs...)
	testkit.Eventually(t, 10*time.Second, "four receipts", func() bool { return getState(t, addr)["deltas_received"] == 4.0 })
	if st := getState(t, addr); st["deltas_dropped"] != 2.0 {
		t.Errorf("dropped %v of 4 at fraction 0.5", st["deltas_dropped"])
	}

	ws := dialStatus(t, addr)
	if _, _, err := ws.next(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := postFaults(t, addr, `{"freeze_status": true}`); st["frozen"] != true {
		t.Fatalf("frozen %v", st["frozen"])
	}
	// Frames already in flight may still arrive; after that, silence for
	// many intervals while the socket stays open.
	ctx, cancel := context.WithTimeout(context.Background(), 30*cfg.StatusInterval)
	defer cancel()
	frames := 0
	for {
		if _, _, err := ws.next(ctx); err != nil {
			break
		}
		frames++
	}
	if frames > 2 {
		t.Errorf("%d frames while frozen", frames)
	}
}

// TestStatusMessageSchema checks every key of worker-protocol.md §6.2, in
// order, with its type, on a real frame, with the two keys of extensions E3
// right after bundle_config_hash (present with or without catch-up).
func TestStatusMessageSchema(t *testing.T) {
	cfg := testConfig(writeDirs(t, map[string]string{"seed.yaml": seedModel}), "")
	cfg.GPUCount, cfg.Pool, cfg.MachineProfile = 2, "pool-a", "a100"
	f := startFleet(t, cfg)
	ws := dialStatus(t, f.Addrs()[0])
	_, raw, err := ws.next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	top := decodeOrdered(t, raw)
	wantTop := []struct{ key, kind string }{
		{"timestamp", "float"}, {"ready", "bool"}, {"name", "string"}, {"machine_profile", "string"},
		{"pool_name", "string"}, {"gpu_count", "int"}, {"bundle", "string"}, {"bundle_config_hash", "string"},
		{"config_epoch", "int"}, {"unsupported_models", "list"}, {"loaded_models", "list"}, {"max_batch_requests", "int"}, {"server", "object"}, {"gpus", "list"},
		{"models", "list"}, {"counters", "object"}, {"histograms", "object"},
	}
	checkKeys(t, "status", top, wantTop)
	server := top.get("server").(ordered)
	checkKeys(t, "server", server, []struct{ key, kind string }{
		{"version", "string"}, {"uptime_seconds", "int"}, {"user", "string"}, {"working_dir", "string"}, {"pid", "int"},
	})
	gpus := top.get("gpus").([]any)
	if len(gpus) != 2 {
		t.Fatalf("%d gpus", len(gpus))
	}
	checkKeys(t, "gpu", gpus[1].(ordered), []struct{ key, kind string }{
		{"device", "string"}, {"name", "string"}, {"gpu_type", "string"}, {"utilization_pct", "int"},
		{"memory_used_bytes", "int"}, {"memory_total_bytes", "int"}, {"memory_threshold_pct", "float"},
	})
	if g := gpus[1].(ordered); g.get("device") != "cuda:1" || g.get("gpu_type") != "a100" {
		t.Errorf("gpu %v", g)
	}
	models := top.get("models").([]any)
	if len(models) != 1 {
		t.Fatalf("%d models", len(models))
	}
	m := models[0].(ordered)
	checkKeys(t, "model", m, []struct{ key, kind string }{
		{"name", "string"}, {"state", "string"}, {"device", "null"}, {"memory_bytes", "int"},
		{"config", "object"}, {"queue_depth", "int"}, {"queue_pending_items", "int"},
	})
	checkKeys(t, "model config", m.get("config").(ordered), []struct{ key, kind string }{
		{"hf_id", "string"}, {"adapter", "string"}, {"inputs", "list"}, {"outputs", "list"},
		{"dims", "object"}, {"max_sequence_length", "null"},
	})
	cfgObj := m.get("config").(ordered)
	if cfgObj.get("adapter") != "sie_server.adapters.bert_flash:BertFlashAdapter" ||
		fmt.Sprint(cfgObj.get("outputs")) != "[dense]" || fmt.Sprint(cfgObj.get("inputs")) != "[text]" {
		t.Errorf("model config %v", cfgObj)
	}
	if top.get("pool_name") != "pool-a" || top.get("bundle") != "default" || top.get("max_batch_requests") != json.Number("64") {
		t.Errorf("values: %s", raw)
	}
	if !bytes.Contains(raw, []byte(`"memory_threshold_pct":85.0`)) || !bytes.Contains(raw, []byte(`"loaded_models":[]`)) {
		t.Errorf("frame %s", raw)
	}
}

// ordered is a JSON object with its keys in document order.
type ordered []struct {
	key string
	val any
}

func (o ordered) get(k string) any {
	for _, e := range o {
		if e.key == k {
			return e.val
		}
	}
	return nil
}

func decodeOrdered(t *testing.T, raw []byte) ordered {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := readValue(dec)
	if err != nil {
		t.Fatal(err)
	}
	return v.(ordered)
}

func readValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch d := tok.(type) {
	case json.Delim:
		if d == '[' {
			list := []any{}
			for dec.More() {
				v, err := readValue(dec)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			_, err := dec.Token()
			return list, err
		}
		obj := ordered{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := readValue(dec)
			if err != nil {
				return nil, err
			}
			obj = append(obj, struct {
				key string
				val any
			}{k.(string), v})
		}
		_, err := dec.Token()
		return obj, err
	}
	return tok, nil
}

func kindOf(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case string:
		return "string"
	case json.Number:
		if strings.ContainsAny(string(t), ".eE") {
			return "float"
		}
		return "int"
	case []any:
		return "list"
	case ordered:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func checkKeys(t *testing.T, what string, got ordered, want []struct{ key, kind string }) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d keys, want %d", what, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i].key != want[i].key || kindOf(got[i].val) != want[i].kind {
			t.Errorf("%s key %d: %s (%s), want %s (%s)", what, i, got[i].key, kindOf(got[i].val), want[i].key, want[i].kind)
		}
	}
}
