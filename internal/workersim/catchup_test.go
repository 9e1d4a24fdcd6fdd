package workersim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/configserver"
	"github.com/sieproject/sie/internal/testkit"
)

// startConfig runs a real sie-config over the catalog next to modelsDir
// (port 0 picks one), with a local store when storeDir is set. It stops at
// the end of the test unless stopConfig stopped it before.
func startConfig(t *testing.T, modelsDir, natsURL, storeDir string, port int) *configserver.Server {
	t.Helper()
	root := filepath.Dir(modelsDir)
	srv, err := configserver.Start(context.Background(), configserver.Config{
		Host: "127.0.0.1", Port: port, BundlesDir: filepath.Join(root, "bundles"), ModelsDir: modelsDir,
		StoreURL: storeDir, Restore: storeDir != "", NATSURL: natsURL, RouterID: "sie-config-0", LogOutput: io.Discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	stop := sync.OnceFunc(func() { _ = srv.Shutdown(context.Background()) })
	stoppers.Store(srv, stop)
	t.Cleanup(stop)
	return srv
}

// stoppers maps a started sie-config to its once-only shutdown.
var stoppers sync.Map

func stopConfig(srv *configserver.Server) {
	if stop, ok := stoppers.Load(srv); ok {
		stop.(func())()
	}
}

func configWrite(t *testing.T, srv *configserver.Server, method, id, body string, want int) {
	t.Helper()
	path := "/v1/configs/models"
	if id != "" {
		path += "/" + id
	}
	req, _ := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
}

func postFault(t *testing.T, addr, body string) {
	t.Helper()
	resp, err := http.Post("http://"+addr+"/sim/faults", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST /sim/faults %s: %d", body, resp.StatusCode)
	}
}

func catchUpConfig(modelsDir, natsURL, configURL string) Config {
	cfg := testConfig(modelsDir, natsURL)
	cfg.ConfigURL = configURL
	cfg.ConfigPoll = 100 * time.Millisecond
	cfg.ConfigFullSync = time.Hour
	cfg.NATSRetryInterval = 20 * time.Millisecond
	return cfg
}

const apiFull = `sie_id: api/full
hf_id: api/full
tasks: {encode: {dense: {dim: 8}}}
profiles:
  default:
    adapter_path: sie_server.adapters.bert_flash:BertFlashAdapter
    max_batch_tokens: 64
`

// A worker started after writes holds them at once (reconcile at startup),
// reports the export's epoch and its stub, and drops the models-directory
// variants a reconcile does not know.
func TestCatchUpAtStartup(t *testing.T) {
	models := writeDirs(t, map[string]string{"seed.yaml": seedModel})
	cfgSrv := startConfig(t, models, "", "", 0)
	configWrite(t, cfgSrv, "POST", "", apiModel, 201)
	configWrite(t, cfgSrv, "POST", "", apiFull, 201)

	f := startFleet(t, catchUpConfig(models, "", cfgSrv.URL()))
	ws := dialStatus(t, f.Addrs()[0])
	want := expectedHash(t, seedModel, apiModel, apiFull)
	frame := ws.waitFor("the startup reconcile", hashIs(want))
	if frame["config_epoch"] != 2.0 || fmtList(frame["unsupported_models"]) != "api/added" {
		t.Errorf("frame config_epoch %v unsupported %v", frame["config_epoch"], frame["unsupported_models"])
	}
	st := getState(t, f.Addrs()[0])
	if st["config_epoch"] != 2.0 || st["reconciles"].(float64) < 1 || st["last_reconcile_error"] != nil {
		t.Errorf("state %v", st)
	}
	if fmtList(st["models"]) != "api/added,api/full,seed/model" {
		t.Errorf("models %v (variants must go)", st["models"])
	}
}

// With NATS: a dropped delta converges within one poll; a DELETE of an
// API-only model is a removal the next reconcile applies.
func TestCatchUpRepairsLossAndRemoval(t *testing.T) {
	url := startNATS(t)
	models := writeDirs(t, map[string]string{"seed.yaml": seedModel})
	cfgSrv := startConfig(t, models, url, "", 0)
	cfg := catchUpConfig(models, url, cfgSrv.URL())
	cfg.ConfigPoll = 300 * time.Millisecond
	f := startFleet(t, cfg)
	addr := f.Addrs()[0]
	testkit.Eventually(t, 10*time.Second, "startup and connect reconciles", func() bool { return getState(t, addr)["reconciles"].(float64) >= 2 })

	postFault(t, addr, `{"drop_deltas": 1}`)
	configWrite(t, cfgSrv, "POST", "", apiFull, 201)
	start := time.Now()
	testkit.Eventually(t, 10*time.Second, "the lost delta repaired", func() bool { return f.Workers()[0].Hash() == expectedHash(t, seedModel, apiFull) })
	if took := time.Since(start); took > cfg.ConfigPoll+2*time.Second {
		t.Errorf("convergence took %s with a %s poll", took, cfg.ConfigPoll)
	}
	if st := getState(t, addr); st["deltas_dropped"] != 1.0 || st["config_epoch"] != 1.0 {
		t.Errorf("state %v", st)
	}

	configWrite(t, cfgSrv, "DELETE", "api/full", "", 200)
	testkit.Eventually(t, 10*time.Second, "the removal", func() bool { return f.Workers()[0].Hash() == expectedHash(t, seedModel) })
	if st := getState(t, addr); fmtList(st["models"]) != "seed/model" || st["config_epoch"] != 2.0 {
		t.Errorf("after the DELETE: %v", st)
	}
}

// A sie-config outage during polls keeps the registry and reports the
// error; when sie-config is back the worker recovers on its own.
func TestCatchUpSurvivesConfigOutage(t *testing.T) {
	models := writeDirs(t, map[string]string{"seed.yaml": seedModel})
	store := t.TempDir()
	cfgSrv := startConfig(t, models, "", store, 0)
	port := cfgSrv.Addr().(*net.TCPAddr).Port
	configWrite(t, cfgSrv, "POST", "", apiFull, 201)
	f := startFleet(t, catchUpConfig(models, "", cfgSrv.URL()))
	addr := f.Addrs()[0]
	held := expectedHash(t, seedModel, apiFull)
	testkit.Eventually(t, 10*time.Second, "the startup reconcile", func() bool { return f.Workers()[0].Hash() == held })

	stopConfig(cfgSrv)
	testkit.Eventually(t, 10*time.Second, "a failed poll", func() bool { return getState(t, addr)["last_reconcile_error"] != nil })
	if f.Workers()[0].Hash() != held {
		t.Fatal("a failed poll changed the registry")
	}

	back := startConfig(t, models, "", store, port)
	configWrite(t, back, "POST", "", apiModel, 201)
	testkit.Eventually(t, 10*time.Second, "recovery", func() bool { return f.Workers()[0].Hash() == expectedHash(t, seedModel, apiFull, apiModel) })
	testkit.Eventually(t, 10*time.Second, "the error cleared", func() bool { return getState(t, addr)["last_reconcile_error"] == nil })
}

// Without catch-up the frames still carry config_epoch (from deltas) and
// unsupported_models (stubs and the "unsupported" fault); nothing polls.
func TestFramesWithoutCatchUp(t *testing.T) {
	url := startNATS(t)
	f := startFleet(t, testConfig(writeDirs(t, map[string]string{"seed.yaml": seedModel}), url))
	addr := f.Addrs()[0]
	ws := dialStatus(t, addr)
	first := ws.waitFor("a frame", func(map[string]any) bool { return true })
	if first["config_epoch"] != 0.0 || fmtList(first["unsupported_models"]) != "" {
		t.Errorf("first frame: config_epoch %v unsupported %v", first["config_epoch"], first["unsupported_models"])
	}
	publish(t, url, payload("api/added", 5, apiModel))
	ws.waitFor("epoch 5 with the stub listed", func(m map[string]any) bool {
		return m["config_epoch"] == 5.0 && fmtList(m["unsupported_models"]) == "api/added"
	})
	postFault(t, addr, `{"unsupported": ["seed/model", "not/held"]}`)
	ws.waitFor("the fault", func(m map[string]any) bool { return fmtList(m["unsupported_models"]) == "api/added,seed/model" })
	postFault(t, addr, `{"unsupported": []}`)
	ws.waitFor("the fault cleared", func(m map[string]any) bool { return fmtList(m["unsupported_models"]) == "api/added" })
	if st := getState(t, addr); st["reconciles"] != 0.0 || st["last_reconcile_error"] != nil || st["config_epoch"] != 5.0 {
		t.Errorf("state %v", st)
	}
}

// An answer that is not an export never empties the registry.
func TestDecodeExportRefusesNonExports(t *testing.T) {
	for _, body := range []string{`{}`, `{"epoch":3}`, `{"models":[]}`, `[]`, `null`, `{"epoch":"3","models":[]}`, ``} {
		if _, _, err := decodeExport(strings.NewReader(body), "default"); err == nil {
			t.Errorf("%q accepted", body)
		}
	}
	epoch, entries, err := decodeExport(strings.NewReader(`{"epoch":4,"models":[`+
		`{"model_id":"a","raw_yaml":"sie_id: a\nhf_id: a\ntasks: {}\nprofiles: {default: {adapter_path: m:A, max_batch_tokens: 1}}\n","affected_bundles":["default"]},`+
		`{"model_id":"b","raw_yaml":null,"affected_bundles":["default"]},`+
		`{"model_id":"c","raw_yaml":"x: [","affected_bundles":["default"]},`+
		`{"model_id":"other","raw_yaml":"sie_id: other\n","affected_bundles":["gpu"]}]}`), "default")
	if err != nil || epoch != 4 || len(entries) != 3 || entries[0].Model == nil || entries[1].Model != nil || entries[2].Model != nil {
		t.Errorf("epoch %d entries %+v err %v", epoch, entries, err)
	}
}

func FuzzDecodeExport(f *testing.F) {
	f.Add([]byte(`{"epoch":1,"models":[{"model_id":"a","raw_yaml":"sie_id: a\nprofiles: {default: {adapter_path: m:A, max_batch_tokens: 1}}\n","affected_bundles":["default"]}]}`))
	f.Add([]byte(`{"epoch":-1,"models":[{"raw_yaml":7}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		epoch, entries, err := decodeExport(bytes.NewReader(data), "default")
		if err != nil && (epoch != 0 || entries != nil) {
			t.Fatal("a refused export returned entries")
		}
	})
}

func fmtList(v any) string {
	list, _ := v.([]any)
	parts := make([]string, len(list))
	for i, x := range list {
		parts[i], _ = x.(string)
	}
	return strings.Join(parts, ",")
}

// A reconcile reuses the prepared entries whose raw_yaml is unchanged and
// prepares the others again.
func TestExportCache(t *testing.T) {
	doc := func(mbt int) string {
		return fmt.Sprintf("sie_id: a\nhf_id: a\ntasks: {}\nprofiles: {default: {adapter_path: m:A, max_batch_tokens: %d}}\n", mbt)
	}
	body := func(mbt int) string {
		raw, _ := json.Marshal(doc(mbt))
		return `{"epoch":1,"models":[{"model_id":"a","raw_yaml":` + string(raw) + `,"affected_bundles":["default","gpu"]}]}`
	}
	_, first, err := decodeExport(strings.NewReader(body(1)), "default")
	if err != nil {
		t.Fatal(err)
	}
	cache := newExportCache(first)
	_, same, _ := decodeExportCached(strings.NewReader(body(1)), "default", cache)
	_, changed, _ := decodeExportCached(strings.NewReader(body(2)), "default", cache)
	if same[0].Model != first[0].Model {
		t.Error("an unchanged document was prepared again")
	}
	if changed[0].Model == first[0].Model || changed[0].Model.Profiles[0].MaxBatchTokens != int64(2) {
		t.Errorf("a changed document was not prepared again: %+v", changed[0].Model)
	}
}
