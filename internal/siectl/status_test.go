package siectl

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A scripted gateway: pending twice, then ready. status --wait long-polls
// it, prints the view again when a count changes, and exits 0 once ready.
func TestStatusWaitPrintsProgress(t *testing.T) {
	pending := `{"all_bundles_acked":false,"bundles":[{"acked":false,"acked_workers":[],"bundle_id":"default","expected_bundle_config_hash":"h2","pending_workers":["w1"],"total_eligible_workers":1,"workers":[{"acked":false,"config_epoch":1,"detail":"behind","health":"healthy","name":"w1","reported_hash":"h1"}]}],"config_epoch":2,"message":"1 of 1 workers of bundle default report an older config (epoch 1, expected 2)","model_id":"m/x","no_bundles":false,"reason":"workers_behind","source":"gateway-registry","state":"pending","worker_view":{"form":"strict","reasons":[]}}`
	ready := `{"all_bundles_acked":true,"bundles":[{"acked":true,"acked_workers":["w1"],"bundle_id":"default","expected_bundle_config_hash":"h2","pending_workers":[],"total_eligible_workers":1,"workers":[{"acked":true,"config_epoch":2,"detail":"","health":"healthy","name":"w1","reported_hash":"h2"}]}],"config_epoch":2,"message":"1 of 1 workers of bundle default report the expected config (epoch 2)","model_id":"m/x","no_bundles":false,"reason":"","source":"gateway-registry","state":"ready","worker_view":{"form":"strict","reasons":[]}}`
	var calls atomic.Int32
	var sawWait atomic.Bool
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/configs/models/m/x/status" {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("wait") == "ready" && r.URL.Query().Get("timeout") != "" {
			sawWait.Store(true)
		}
		body := pending
		if calls.Add(1) > 2 {
			body = ready
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	defer gw.Close()
	code, out := run(t, map[string]string{"SIE_GATEWAY_URL": gw.URL}, "status", "m/x", "--wait", "--timeout", "10s", "--interval", "100ms")
	if code != 0 || !sawWait.Load() {
		t.Fatalf("exit %d (long-poll used: %t)\n%s", code, sawWait.Load(), out)
	}
	for _, want := range []string{
		"state    pending\nmessage  1 of 1 workers of bundle default report an older config (epoch 1, expected 2)\n  default          0/1 acked @epoch 2\n    w1                       healthy   behind         config epoch 1\n",
		"state    ready\nmessage  1 of 1 workers of bundle default report the expected config (epoch 2)\n  default          1/1 acked @epoch 2\n",
		"m/x: ready on 1 gateway replica(s)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "state    pending") != 1 {
		t.Errorf("an unchanged view was printed twice:\n%s", out)
	}
}

// Without --wait: one answer; anything but ready exits 1 with the message.
func TestStatusNotReadyExits1(t *testing.T) {
	body := `{"all_bundles_acked":true,"bundles":[],"config_epoch":3,"message":"1 of 1 workers of bundle default acked, but no 'tasks' mapping: workers hold a stub without outputs and reject inference for this model","model_id":"m/x","no_bundles":false,"reason":"stub_on_workers","source":"gateway-registry","state":"acked_unservable","worker_view":{"form":"stub","reasons":["x"]}}`
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery != "" {
			t.Errorf("a plain status sent %q", r.URL.RawQuery)
		}
		if r.URL.Path != "/v1/configs/models/m/x/status" { // a gateway without /rollout
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	defer gw.Close()
	start := time.Now()
	code, out := run(t, map[string]string{"SIE_GATEWAY_URL": gw.URL}, "status", "m/x")
	if code != 1 || !strings.Contains(out, "state    acked_unservable") ||
		!strings.Contains(out, "m/x is not ready: gateway 1: acked_unservable: 1 of 1 workers of bundle default acked, but no 'tasks' mapping") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("a plain status waited")
	}
}
