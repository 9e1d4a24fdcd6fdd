package siectl

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/gatewayserver"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/testkit/testcluster"
	"github.com/sieproject/sie/internal/workersim"
)

// rolloutBody is a scripted /rollout answer.
func rolloutBody(state, reason, msg string, answered, known, acked, eligible int, missing ...string) string {
	m, _ := json.Marshal(append([]string{}, missing...))
	return fmt.Sprintf(`{"all_gateways_ready":%t,"config_epoch":5,"gateways":[{"all_bundles_acked":true,"bundles":[{"acked":true,"acked_workers":["w1"],"bundle_id":"default","expected_bundle_config_hash":"h","pending_workers":[],"total_eligible_workers":1,"workers":[{"acked":true,"config_epoch":5,"detail":"","health":"healthy","name":"w1","reported_hash":"h"}]}],"config_epoch":5,"gateway_id":"gw-a","message":"ok","model_id":"m/x","no_bundles":false,"reason":"","source":"gateway-registry","state":"ready","worker_view":{"form":"strict","reasons":[]}}],"gateways_answered":%d,"gateways_known":%d,"message":%q,"missing_gateways":%s,"model_id":"m/x","reason":%q,"state":%q,"totals":{"acked_workers":%d,"eligible_workers":%d}}`,
		state == "ready", answered, known, msg, m, reason, state, acked, eligible)
}

// status MODEL asks one gateway's /rollout: with --wait it long-polls,
// prints a line only when a count changes, and exits 0 once ready.
func TestStatusRolloutWaitPrintsChanges(t *testing.T) {
	answers := []string{
		rolloutBody("pending", "gateways_missing", "gateway gw-c did not answer", 2, 3, 1, 2, "gw-c"),
		rolloutBody("pending", "gateways_missing", "gateway gw-c did not answer", 2, 3, 1, 2, "gw-c"),
		rolloutBody("pending", "workers_behind", "1 of 2 workers of bundle default report an older config (epoch 4, expected 5)", 2, 2, 1, 2),
		rolloutBody("ready", "", "2 of 2 workers of bundle default report the expected config (epoch 5)", 2, 2, 2, 2),
	}
	var calls atomic.Int32
	var sawWait atomic.Bool
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/configs/models/m/x/rollout" {
			t.Errorf("asked %s", r.URL.Path)
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("wait") == "ready" && r.URL.Query().Get("timeout") != "" {
			sawWait.Store(true)
		}
		i := min(int(calls.Add(1))-1, len(answers)-1)
		_, _ = w.Write([]byte(answers[i]))
	}))
	defer gw.Close()
	code, out := run(t, map[string]string{"SIE_GATEWAY_URL": gw.URL}, "status", "m/x", "--wait", "--timeout", "10s", "--interval", "100ms")
	if code != 0 || !sawWait.Load() {
		t.Fatalf("exit %d (long-poll used: %t)\n%s", code, sawWait.Load(), out)
	}
	for _, want := range []string{
		"m/x  pending          gateways 2/3  workers 1/2 acked  epoch 5  missing gw-c\n" +
			"m/x  pending          gateways 2/2  workers 1/2 acked  epoch 5\n" +
			"m/x  ready            gateways 2/2  workers 2/2 acked  epoch 5\n",
		"state     ready\nmessage   2 of 2 workers of bundle default report the expected config (epoch 5)\ngateways  2 of 2 answered\nworkers   2/2 acked (epoch 5)\n  gw-a ",
		"m/x: ready on 2 gateway(s), 2/2 workers acked (epoch 5)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// Not ready: the message, exit 1; -o json prints the gateway's answer.
func TestStatusRolloutNotReady(t *testing.T) {
	body := rolloutBody("pending", "gateways_missing", "gateway gw-c did not answer", 2, 3, 1, 1, "gw-c")
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery != "" {
			t.Errorf("a plain status sent %q", r.URL.RawQuery)
		}
		_, _ = w.Write([]byte(body))
	}))
	defer gw.Close()
	code, out := run(t, map[string]string{"SIE_GATEWAY_URL": gw.URL}, "status", "m/x")
	if code != 1 || !strings.Contains(out, "m/x is not ready: gateway gw-c did not answer") ||
		!strings.Contains(out, "gateways  2 of 3 answered; missing: gw-c") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	code, out = run(t, map[string]string{"SIE_GATEWAY_URL": gw.URL}, "status", "m/x", "-o", "json")
	if code != 1 || !strings.HasPrefix(out, body) {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

// Three gateways and two workers on one NATS, one worker slow to apply:
// apply --wait through one gateway returns only once every gateway
// reports the model ready at the write's epoch; a model a worker never
// gets (a dropped delta) fails the wait with the reason, exit 1.
func TestApplyWaitsForEveryGateway(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{})
	fleet, _ := c.StartFleet("default", 2, 0, func(cfg *workersim.Config) { cfg.StatusInterval = 50 * time.Millisecond })
	for _, id := range []string{"gw-a", "gw-b", "gw-c"} {
		c.StartGateway(func(cfg *gatewayserver.Config) {
			cfg.GatewayID, cfg.PeerHeartbeat = id, 50*time.Millisecond
		})
	}
	for _, g := range c.Gateways {
		testkit.Eventually(t, 10*time.Second, g.GatewayID()+" ready, on NATS, knows its peers and workers", func() bool {
			return g.Mirror().Ready() && g.NATSConnected() && len(g.Peers().Known()) == 2 && g.Registry().HealthyCount() == 2
		})
	}
	fault := func(body string) {
		resp, err := c.Client.Post(fleet.URLs()[0]+"/sim/faults", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	env := map[string]string{"SIE_CONFIG_URL": c.Config.URL(), "SIE_GATEWAY_URL": c.Gateways[1].URL()}
	dir := t.TempDir()
	doc := func(id string) string {
		return "sie_id: " + id + "\nhf_id: " + id + "\ntasks: {encode: {dense: {dim: 8}}}\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:BertFlashAdapter\n    max_batch_tokens: 512\n"
	}
	file := writeFile(t, dir, "m.yaml", doc("wait/one"))
	fault(`{"apply_lag_ms": 700}`)
	code, out := run(t, env, "apply", "-f", file, "--wait", "--timeout", "20s")
	if code != 0 || !strings.Contains(out, "Ready on every gateway: 1 model(s).") || !strings.Contains(out, "wait/one  ready ") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	// At once, without waiting: every gateway says ready at the write's epoch.
	var epoch uint64
	if _, err := fmt.Sscanf(out[strings.Index(out, "(epoch ")+len("(epoch "):], "%d", &epoch); err != nil {
		t.Fatalf("no epoch in:\n%s", out)
	}
	for _, g := range c.Gateways {
		_, body := c.Do(http.MethodGet, g.URL()+"/v1/configs/models/wait/one/status", "")
		var st struct {
			State       string `json:"state"`
			ConfigEpoch uint64 `json:"config_epoch"`
		}
		_ = json.Unmarshal([]byte(body), &st)
		if st.State != "ready" || st.ConfigEpoch < epoch {
			t.Fatalf("apply --wait returned while %s says %s at epoch %d (write epoch %d)", g.GatewayID(), st.State, st.ConfigEpoch, epoch)
		}
	}

	fault(`{"apply_lag_ms": 0, "drop_deltas": 1}`)
	file2 := writeFile(t, t.TempDir(), "m2.yaml", doc("wait/two"))
	code, out = run(t, env, "apply", "-f", file2, "--wait", "--timeout", "1s")
	if code != 1 || !strings.Contains(out, "wait/two is not ready: ") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}
