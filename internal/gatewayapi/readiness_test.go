package gatewayapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/gateway"
	"github.com/sieproject/sie/internal/workers"
)

// readyEnv serves a real mirror (seeded, moved by deltas) so the status
// view sees the mirror's history of expected hashes.
type readyEnv struct {
	*env
	mirror *gateway.Mirror
}

func newReadyEnv(t *testing.T, st *gateway.State) *readyEnv {
	m := gateway.New(gateway.Config{Seed: st})
	e := &env{t: t, reg: workers.NewRegistry(workers.RegistryConfig{})}
	srv := New(Config{Mirror: m, Workers: e.reg})
	e.srv = httptest.NewServer(srv)
	t.Cleanup(e.srv.Close)
	return &readyEnv{env: e, mirror: m}
}

// delta applies a trusted NATS delta that publishes doc at epoch.
func (e *readyEnv) delta(epoch uint64, id, doc string) {
	e.t.Helper()
	b, _ := json.Marshal(map[string]any{"router_id": "sie-config", "bundle_id": "default", "epoch": epoch,
		"bundle_config_hash": "", "model_id": id, "model_config": doc})
	e.mirror.HandleDelta(b)
	if got := e.mirror.Snapshot().Epoch(); got != epoch {
		e.t.Fatalf("delta at %d not applied (epoch %d)", epoch, got)
	}
}

// frame reports a status message with the E3 keys for url.
func (e *readyEnv) frame(url, name, hash string, ready bool, extra string) {
	e.t.Helper()
	msg := fmt.Sprintf(`{"ready":%t,"name":%q,"bundle":"default","bundle_config_hash":%q%s}`, ready, name, hash, extra)
	if err := e.reg.HandleMessage(url, []byte(msg), time.Now()); err != nil {
		e.t.Fatal(err)
	}
}

// statusOf decodes the status view of id.
type statusBody struct {
	AllBundlesAcked bool   `json:"all_bundles_acked"`
	ConfigEpoch     uint64 `json:"config_epoch"`
	State           string `json:"state"`
	Reason          string `json:"reason"`
	Message         string `json:"message"`
	WorkerView      struct {
		Form    string   `json:"form"`
		Reasons []string `json:"reasons"`
	} `json:"worker_view"`
	Bundles []struct {
		Acked   bool `json:"acked"`
		Workers []struct {
			Name         string  `json:"name"`
			Health       string  `json:"health"`
			Acked        bool    `json:"acked"`
			ReportedHash string  `json:"reported_hash"`
			ConfigEpoch  *uint64 `json:"config_epoch"`
			Detail       string  `json:"detail"`
		} `json:"workers"`
	} `json:"bundles"`
}

func (e *readyEnv) status(id string) statusBody {
	e.t.Helper()
	r := e.get("/v1/configs/models/" + id + "/status")
	if r.status != 200 {
		e.t.Fatalf("status %s: %d %s", id, r.status, r.body)
	}
	sortedJSON(e.t, r.body)
	var s statusBody
	if err := json.Unmarshal([]byte(r.body), &s); err != nil {
		e.t.Fatal(err)
	}
	return s
}

func epochOf(p *uint64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

// The per-worker detail: behind (with the epoch its hash was expected at,
// or its own), unknown_config, not_ready, disconnected.
func TestStatusWorkerDetail(t *testing.T) {
	st := state(t, 1, modelDoc("a/m", bertFlash))
	e := newReadyEnv(t, st)
	h1 := e.mirror.Snapshot().ExpectedHash("default")
	e.frame("http://w1", "w1", h1, true, "")
	e.frame("http://w2", "w2", h1, true, `,"config_epoch":1,"unsupported_models":[]`)
	if s := e.status("a/m"); s.State != "ready" || s.Reason != "" || !s.AllBundlesAcked ||
		s.Message != "2 of 2 workers of bundle default report the expected config (epoch 1)" {
		t.Fatalf("ready: %+v", s)
	}
	e.delta(2, "b/m", modelDoc("b/m", bertFlash))
	e.delta(3, "c/m", modelDoc("c/m", bertFlash))
	h3 := e.mirror.Snapshot().ExpectedHash("default")
	s := e.status("a/m")
	if s.State != "pending" || s.Reason != "workers_behind" || s.Message != "2 of 2 workers of bundle default report an older config (epoch 1, expected 3)" {
		t.Fatalf("behind: %+v", s)
	}
	for _, w := range s.Bundles[0].Workers {
		if w.Detail != "behind" || epochOf(w.ConfigEpoch) != "1" || w.Acked || w.Health != "healthy" {
			t.Errorf("worker %+v", w)
		}
	}
	// The hash expected at epoch 2, reported with the worker's own epoch.
	e.frame("http://w1", "w1", h3, true, "")
	e.frame("http://w2", "w2", "f00d", true, `,"config_epoch":2`)
	e.frame("http://w3", "w3", "f00d", true, "")
	e.frame("http://w4", "w4", h3, false, "")
	e.frame("http://w5", "w5", h3, true, "")
	e.reg.MarkUnhealthy("http://w5", "test")
	s = e.status("a/m")
	if s.State != "pending" || s.Reason != "workers_unknown_config" ||
		!strings.HasPrefix(s.Message, "2 of 3 workers of bundle default report a config this gateway never expected") {
		t.Fatalf("unknown: %+v", s)
	}
	got := map[string]string{}
	for _, w := range s.Bundles[0].Workers {
		got[w.Name] = fmt.Sprintf("%s/%s/%t/%s", w.Health, w.Detail, w.Acked, epochOf(w.ConfigEpoch))
	}
	want := map[string]string{"w1": "healthy//true/3", "w2": "healthy/unknown_config/false/2", "w3": "healthy/unknown_config/false/null",
		"w4": "unknown/not_ready/false/3", "w5": "unhealthy/disconnected/false/3"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("workers\n got %v\nwant %v", got, want)
	}
}

// The ring keeps the last 64 expected hashes per bundle: older ones are
// unknown_config. A rewind starts it afresh.
func TestStatusHistoryDepth(t *testing.T) {
	e := newReadyEnv(t, state(t, 0, modelDoc("a/m", bertFlash)))
	h0 := e.mirror.Snapshot().ExpectedHash("default")
	e.frame("http://w", "w", h0, true, "")
	for i := uint64(1); i <= 63; i++ {
		e.delta(i, "a/m", strings.Replace(modelDoc("a/m", bertFlash), "16", fmt.Sprint(16+i), 1))
	}
	if s := e.status("a/m"); s.Bundles[0].Workers[0].Detail != "behind" || epochOf(s.Bundles[0].Workers[0].ConfigEpoch) != "0" {
		t.Fatalf("63 changes later: %+v", s.Bundles[0].Workers[0])
	}
	e.delta(64, "a/m", strings.Replace(modelDoc("a/m", bertFlash), "16", "999", 1))
	if s := e.status("a/m"); s.Bundles[0].Workers[0].Detail != "unknown_config" {
		t.Fatalf("64 changes later: %+v", s.Bundles[0].Workers[0])
	}
}

// acked_unservable: every worker acked, but the document is a stub, is not
// held at all, or a worker reports the model unsupported.
func TestStatusAckedUnservable(t *testing.T) {
	stub := "sie_id: s/m\nhf_id: s/m\nprofiles:\n  default:\n    adapter_path: " + bertFlash + ":A\n    max_batch_tokens: 16\n"
	ignored := "sie_id: i/m\nhf_id: i/m\ntasks: {}\nprofiles:\n  default:\n    adapter_path: " + bertFlash + ":A\n"
	e := newReadyEnv(t, state(t, 4, modelDoc("a/m", bertFlash), stub, ignored))
	h := e.mirror.Snapshot().ExpectedHash("default")
	e.frame("http://w", "w", h, true, `,"config_epoch":4,"unsupported_models":["s/m"]`)
	s := e.status("s/m")
	if s.State != "acked_unservable" || s.Reason != "stub_on_workers" || s.WorkerView.Form != "stub" ||
		s.Message != "1 of 1 workers of bundle default acked, but no 'tasks' mapping: workers hold a stub without outputs and reject inference for this model" ||
		!s.AllBundlesAcked {
		t.Fatalf("stub: %+v", s)
	}
	s = e.status("i/m")
	if s.State != "acked_unservable" || s.Reason != "ignored_by_workers" || s.WorkerView.Form != "ignored" || len(s.WorkerView.Reasons) != 1 {
		t.Fatalf("ignored: %+v", s)
	}
	if s := e.status("a/m"); s.State != "ready" || s.WorkerView.Form != "strict" {
		t.Fatalf("full: %+v", s)
	}
	e.frame("http://w", "w", h, true, `,"config_epoch":4,"unsupported_models":["a/m"]`)
	if s := e.status("a/m"); s.State != "acked_unservable" || s.Reason != "reported_unsupported" ||
		s.Message != "1 of 1 workers of bundle default acked but report a/m as unsupported" {
		t.Fatalf("unsupported: %+v", s)
	}
}

// ?wait=ready&min_epoch=E&timeout=D answers as soon as the model is ready
// at E, woken by the change; otherwise after D with the current view.
func TestStatusLongPoll(t *testing.T) {
	e := newReadyEnv(t, state(t, 1, modelDoc("a/m", bertFlash)))
	h1 := e.mirror.Snapshot().ExpectedHash("default")
	e.frame("http://w", "w", h1, true, "")

	// Already ready at epoch 1: at once.
	if r := e.get("/v1/configs/models/a/m/status?wait=ready&min_epoch=1&timeout=30s"); r.status != 200 || !strings.Contains(r.body, `"state":"ready"`) {
		t.Fatalf("ready now: %d %s", r.status, r.body)
	}
	// Not ready: the timeout answers with the current view.
	start := time.Now()
	r := e.get("/v1/configs/models/a/m/status?wait=ready&min_epoch=2&timeout=300ms")
	if took := time.Since(start); r.status != 200 || !strings.Contains(r.body, `"state":"ready"`) || !strings.Contains(r.body, `"config_epoch":1`) || took < 300*time.Millisecond {
		t.Fatalf("timeout: %d %s after %s", r.status, r.body, took)
	}
	// Woken by the changes: a delta to epoch 2, then the worker's ack.
	done := make(chan resp, 1)
	go func() { done <- e.get("/v1/configs/models/a/m/status?wait=ready&min_epoch=2&timeout=20") }()
	e.delta(2, "b/m", modelDoc("b/m", bertFlash))
	select {
	case r := <-done:
		t.Fatalf("answered before the worker acked: %s", r.body)
	case <-time.After(100 * time.Millisecond):
	}
	e.frame("http://w", "w", e.mirror.Snapshot().ExpectedHash("default"), true, "")
	select {
	case r := <-done:
		if r.status != 200 || !strings.Contains(r.body, `"state":"ready"`) || !strings.Contains(r.body, `"config_epoch":2`) {
			t.Fatalf("woken: %d %s", r.status, r.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the long-poll was not woken by the ack")
	}
	// A model that appears during the wait.
	go func() { done <- e.get("/v1/configs/models/n/m/status?wait=ready&timeout=20s") }()
	e.delta(3, "n/m", modelDoc("n/m", bertFlash))
	e.frame("http://w", "w", e.mirror.Snapshot().ExpectedHash("default"), true, "")
	if r := <-done; r.status != 200 || !strings.Contains(r.body, `"model_id":"n/m"`) || !strings.Contains(r.body, `"state":"ready"`) {
		t.Fatalf("appearing model: %d %s", r.status, r.body)
	}
	// Still unknown at the deadline: 404 as without wait.
	expect(t, e.get("/v1/configs/models/x/y/status?wait=ready&timeout=50ms"), 404, `{"message":"Model 'x/y/status' not found"}`)
	for _, q := range []string{"wait=soon", "wait=ready&min_epoch=-1", "wait=ready&timeout=abc", "wait=ready&timeout=-5s"} {
		if r := e.get("/v1/configs/models/a/m/status?" + q); r.status != http.StatusBadRequest || !strings.HasPrefix(r.body, `{"message":"Query parameter`) {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
}

// The long-poll parameters never panic, and an accepted timeout is within
// [0, 60 s].
func FuzzStatusWaitQuery(f *testing.F) {
	for _, q := range []string{"wait=ready", "wait=ready&min_epoch=3&timeout=5s", "wait=ready&timeout=120", "wait=x", "wait=ready&timeout=-1s", "%zz"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, query string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.URL.RawQuery = query
		sw, bad := parseStatusWait(r)
		if sw != nil && (bad != "" || sw.timeout < 0 || sw.timeout > maxStatusWait) {
			t.Fatalf("%q: %+v %q", query, sw, bad)
		}
	})
}

// A gateway shutting down answers its long-polls at once with the current
// view instead of holding the shutdown for their timeouts.
func TestStatusLongPollEndsOnShutdown(t *testing.T) {
	st := state(t, 1, modelDoc("a/m", bertFlash))
	ctx, cancel := context.WithCancel(context.Background())
	reg := workers.NewRegistry(workers.RegistryConfig{})
	srv := httptest.NewServer(New(Config{Mirror: gateway.New(gateway.Config{Seed: st}), Workers: reg, Context: ctx}))
	defer srv.Close()
	done := make(chan string, 1)
	go func() {
		resp, err := http.Get(srv.URL + "/v1/configs/models/a/m/status?wait=ready&timeout=30s")
		if err != nil {
			done <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		done <- string(b)
	}()
	select {
	case body := <-done:
		t.Fatalf("answered before the shutdown: %s", body)
	case <-time.After(100 * time.Millisecond):
	}
	cancel()
	select {
	case body := <-done:
		if !strings.Contains(body, `"state":"no_workers"`) {
			t.Errorf("answer %s", body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the long-poll held the shutdown")
	}
}
