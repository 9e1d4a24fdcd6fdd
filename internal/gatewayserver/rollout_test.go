package gatewayserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/gatewayserver"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/testkit/testcluster"
)

// rolloutView is what these tests read of a /rollout answer.
type rolloutView struct {
	AllGatewaysReady bool   `json:"all_gateways_ready"`
	ConfigEpoch      uint64 `json:"config_epoch"`
	Gateways         []struct {
		GatewayID   string `json:"gateway_id"`
		State       string `json:"state"`
		ConfigEpoch uint64 `json:"config_epoch"`
	} `json:"gateways"`
	GatewaysAnswered int      `json:"gateways_answered"`
	GatewaysKnown    int      `json:"gateways_known"`
	Message          string   `json:"message"`
	MissingGateways  []string `json:"missing_gateways"`
	ModelID          string   `json:"model_id"`
	Reason           string   `json:"reason"`
	State            string   `json:"state"`
	Totals           struct {
		Acked    int `json:"acked_workers"`
		Eligible int `json:"eligible_workers"`
	} `json:"totals"`
	raw string
}

func (v rolloutView) ids() []string {
	out := []string{}
	for _, g := range v.Gateways {
		out = append(out, g.GatewayID)
	}
	return out
}

// rollout GETs …/{id}/rollout on g with the query q ("" for none).
func (c *cluster) rollout(g *gatewayserver.Server, id, q string) rolloutView {
	c.t.Helper()
	path := "/v1/configs/models/" + id + "/rollout"
	if q != "" {
		path += "?" + q
	}
	code, body := c.get(g, path)
	if code != http.StatusOK {
		c.t.Fatalf("GET %s: %d %s", path, code, body)
	}
	var v rolloutView
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		c.t.Fatalf("GET %s: %v: %s", path, err, body)
	}
	v.raw = body
	return v
}

// peerTimings makes a gateway named id send its heartbeat every 50 ms and
// forget a silent peer after expiry.
func peerTimings(id string, expiry time.Duration) func(*gatewayserver.Config) {
	return func(cfg *gatewayserver.Config) {
		cfg.GatewayID = id
		cfg.PeerHeartbeat = 50 * time.Millisecond
		cfg.PeerExpiry = expiry
	}
}

// waitPeers waits until every gateway knows every other one.
func (c *cluster) waitPeers() {
	c.t.Helper()
	for _, g := range c.Gateways {
		testkit.Eventually(c.t, 10*time.Second, g.GatewayID()+" knows its peers", func() (bool, string) {
			k := g.Peers().Known()
			return len(k) == len(c.Gateways)-1, fmt.Sprint(k)
		})
	}
}

// Three gateways on one NATS: a rollout through any one of them lists all
// three, waits for ready at the write's epoch, counts each worker once;
// a gateway killed mid-rollout is named as missing until its peers forget
// it, and the wait then completes with the two left.
func TestRolloutAcrossGateways(t *testing.T) {
	c := newCluster(t)
	c.startWorkers(2)
	const expiry = 6 * time.Second // long enough for a loaded machine to ask before it passes
	gwA := c.startGateway(peerTimings("gw-a", expiry))
	gwB := c.startGateway(peerTimings("gw-b", expiry))
	gwC := c.startGateway(peerTimings("gw-c", expiry))
	c.waitReady()
	c.waitPeers()
	for _, g := range c.Gateways {
		testkit.Eventually(t, 10*time.Second, "workers healthy", func() bool { return g.Registry().HealthyCount() == 2 })
	}

	epoch := c.mustWrite(http.MethodPost, "/v1/configs/models", modelYAML("ro/one", "default"), http.StatusCreated)
	for _, g := range c.Gateways {
		v := c.rollout(g, "ro/one", fmt.Sprintf("wait=ready&min_epoch=%d&timeout=10s", epoch))
		if v.State != "ready" || !v.AllGatewaysReady || v.GatewaysKnown != 3 || v.GatewaysAnswered != 3 ||
			len(v.MissingGateways) != 0 || v.ConfigEpoch != epoch || v.Reason != "" || v.ModelID != "ro/one" ||
			v.Totals.Acked != 2 || v.Totals.Eligible != 2 || !reflect.DeepEqual(v.ids(), []string{"gw-a", "gw-b", "gw-c"}) {
			t.Fatalf("rollout through %s:\n%s", g.GatewayID(), v.raw)
		}
		for _, gw := range v.Gateways {
			if gw.State != "ready" || gw.ConfigEpoch != epoch {
				t.Fatalf("gateway %s in the rollout: %s at %d", gw.GatewayID, gw.State, gw.ConfigEpoch)
			}
		}
		// Keys sorted, the aggregate around each gateway's own view.
		if !strings.HasPrefix(v.raw, `{"all_gateways_ready":true,"config_epoch":`+fmt.Sprint(epoch)+`,"gateways":[{"all_bundles_acked":true,`) ||
			!strings.HasSuffix(v.raw, `],"gateways_answered":3,"gateways_known":3,"message":"2 of 2 workers of bundle default report the expected config (epoch `+
				fmt.Sprint(epoch)+`)","missing_gateways":[],"model_id":"ro/one","reason":"","state":"ready","totals":{"acked_workers":2,"eligible_workers":2}}`) {
			t.Fatalf("rollout bytes:\n%s", v.raw)
		}
	}
	if got := c.metric(gwA, `sie_gateway_rollout_requests_total{state="ready"}`); got != 1 {
		t.Errorf("rollout requests metric: %v", got)
	}
	if got := c.metric(gwA, "sie_gateway_peers_known"); got != 2 {
		t.Errorf("peers known metric: %v", got)
	}

	// A write whose workers lag; gw-c dies before they catch up.
	c.fault(0, `{"apply_lag_ms": 1500}`)
	epoch2 := c.mustWrite(http.MethodPost, "/v1/configs/models", modelYAML("ro/two", "default"), http.StatusCreated)
	testkit.Eventually(t, 5*time.Second, "ro/two on every gateway", func() bool {
		return hasModel(gwA, "ro/two") && hasModel(gwB, "ro/two") && hasModel(gwC, "ro/two")
	})
	gwC.Crash()
	v := c.rollout(gwA, "ro/two", "")
	if v.State != "pending" || v.Reason != "gateways_missing" || v.Message != "gateway gw-c did not answer" || v.AllGatewaysReady ||
		v.GatewaysKnown != 3 || v.GatewaysAnswered != 2 || !reflect.DeepEqual(v.MissingGateways, []string{"gw-c"}) ||
		!reflect.DeepEqual(v.ids(), []string{"gw-a", "gw-b"}) {
		t.Fatalf("rollout after gw-c died:\n%s", v.raw)
	}
	// Once forgotten, the wait completes with the two gateways left.
	testkit.Eventually(t, 2*expiry, "gw-c forgotten", func() bool { return len(gwA.Peers().Known()) == 1 && len(gwB.Peers().Known()) == 1 })
	began := time.Now()
	v = c.rollout(gwB, "ro/two", fmt.Sprintf("wait=ready&min_epoch=%d&timeout=8s", epoch2))
	if v.State != "ready" || v.GatewaysKnown != 2 || v.GatewaysAnswered != 2 || len(v.MissingGateways) != 0 || v.Totals.Acked != 2 {
		t.Fatalf("rollout after gw-c expired (%v later):\n%s", time.Since(began), v.raw)
	}
	if got := c.metric(gwB, "sie_gateway_peers_known"); got != 1 {
		t.Errorf("peers known after the expiry: %v", got)
	}
}

// A clean shutdown says so: the peers drop the gateway at once, long
// before the expiry.
func TestRolloutLeavingGatewayDroppedAtOnce(t *testing.T) {
	c := newCluster(t)
	a := c.startGateway(peerTimings("gw-a", time.Hour))
	b := c.startGateway(peerTimings("gw-b", time.Hour))
	c.waitReady()
	c.waitPeers()
	if err := b.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 5*time.Second, "gw-b dropped", func() bool { return len(a.Peers().Known()) == 0 })
	v := c.rollout(a, "BAAI/bge-m3", "")
	if v.GatewaysKnown != 1 || !reflect.DeepEqual(v.ids(), []string{"gw-a"}) {
		t.Fatalf("rollout after gw-b left:\n%s", v.raw)
	}
}

// Without NATS the rollout holds the answering gateway alone, named by
// SIE_GATEWAY_ID, else POD_NAME, else {hostname}-{port}.
func TestRolloutWithoutNATS(t *testing.T) {
	c := newClusterWith(t, testcluster.Options{NoNATS: true})
	g := c.startGateway(func(cfg *gatewayserver.Config) { cfg.PollInterval = 50 * time.Millisecond })
	testkit.Eventually(t, 10*time.Second, "bootstrapped", g.Mirror().Ready)
	v := c.rollout(g, "BAAI/bge-m3", "")
	if v.GatewaysKnown != 1 || v.GatewaysAnswered != 1 || len(v.Gateways) != 1 || v.State != "no_workers" ||
		v.Reason != "no_eligible_workers" || !strings.HasSuffix(v.Gateways[0].GatewayID, "-"+g.URL()[strings.LastIndex(g.URL(), ":")+1:]) {
		t.Fatalf("rollout without NATS:\n%s", v.raw)
	}
	// Unknown model: 404 as /status; bad wait parameters: 400.
	if code, _ := c.get(g, "/v1/configs/models/no/such/rollout"); code != http.StatusNotFound {
		t.Fatalf("unknown model: %d", code)
	}
	if code, body := c.get(g, "/v1/configs/models/BAAI/bge-m3/rollout?wait=soon"); code != http.StatusBadRequest {
		t.Fatalf("bad wait: %d %s", code, body)
	}
	for env, want := range map[string]string{"SIE_GATEWAY_ID": "gw-env", "POD_NAME": "sie-gateway-7d9f-abcde"} {
		cfg, err := gatewayserver.FromEnv(func(k string) (string, bool) {
			if k == env {
				return want, true
			}
			return "", false
		})
		if err != nil || cfg.GatewayID != want {
			t.Fatalf("%s: id %q, %v", env, cfg.GatewayID, err)
		}
	}
	cfg, _ := gatewayserver.FromEnv(func(k string) (string, bool) {
		return map[string]string{"SIE_GATEWAY_ID": "gw-env", "POD_NAME": "pod"}[k], k == "SIE_GATEWAY_ID" || k == "POD_NAME"
	})
	if cfg.GatewayID != "gw-env" {
		t.Fatalf("SIE_GATEWAY_ID must win over POD_NAME: %q", cfg.GatewayID)
	}
}
