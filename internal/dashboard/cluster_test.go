package dashboard_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/gatewayserver"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/testkit/testcluster"
	"github.com/sieproject/sie/internal/workersim"
)

// cluster is a real embedded NATS, sie-config on the sample catalog,
// simulated workers and gateways, all in-process on 127.0.0.1.
type cluster struct {
	*testcluster.Cluster
	t testing.TB
	// client outlasts the status long-polls (20 s) the tests wait on.
	client *http.Client
}

func newCluster(t testing.TB) *cluster {
	t.Helper()
	return &cluster{Cluster: testcluster.New(t, testcluster.Options{}), t: t, client: &http.Client{Timeout: 30 * time.Second}}
}

// startWorkers runs one simulated worker of bundle named {prefix}-{bundle}-0,
// catching up from sie-config and subscribed to its deltas before it
// returns.
func (c *cluster) startWorkers(prefix, bundle string) *workersim.Fleet {
	c.t.Helper()
	f, _ := c.StartFleet(bundle, 1, 0, func(wc *workersim.Config) {
		wc.NamePrefix = prefix
		wc.ConfigURL, wc.ConfigPoll = c.Config.URL(), time.Second
	})
	return f
}

// startGateway runs a gateway that knows every started worker; env sets
// its auth as a deployment's environment would.
func (c *cluster) startGateway(env map[string]string, tweak func(*gatewayserver.Config)) *gatewayserver.Server {
	c.t.Helper()
	fromEnv, err := gatewayserver.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		c.t.Fatal(err)
	}
	workers := 0
	g := c.StartGateway(func(cfg *gatewayserver.Config) {
		cfg.AuthMode, cfg.Auth = fromEnv.AuthMode, fromEnv.Auth
		if tweak != nil {
			tweak(cfg)
		}
		workers = len(cfg.Workers)
	})
	testkit.Eventually(c.t, 15*time.Second, "gateway bootstrapped, on NATS, every worker healthy", func() bool {
		return g.Mirror().Ready() && g.NATSConnected() && g.Registry().HealthyCount() == workers
	})
	return g
}

// write sends a write to sie-config and returns its epoch.
func (c *cluster) write(method, path, body string, want int) uint64 {
	c.t.Helper()
	req, err := http.NewRequest(method, c.Config.URL()+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
	}
	var v struct {
		Epoch uint64 `json:"epoch"`
	}
	_ = json.Unmarshal(raw, &v)
	return v.Epoch
}

// waitReady blocks on the gateway's status long-poll until the model is
// ready at epoch or later.
func (c *cluster) waitReady(g *gatewayserver.Server, id string, epoch uint64) {
	c.t.Helper()
	resp, err := c.client.Get(g.URL() + "/v1/configs/models/" + id + "/status?wait=ready&timeout=20s&min_epoch=" + jsonNumber(epoch))
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		State string `json:"state"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || v.State != "ready" {
		c.t.Fatalf("%s never ready on the gateway: %q %v", id, v.State, err)
	}
}

func jsonNumber(n uint64) string { b, _ := json.Marshal(n); return string(b) }

// strictModel is a document simulated workers hold in full, on the
// default bundle.
func strictModel(id string) string {
	return "sie_id: " + id + "\nhf_id: " + id + "\ntasks:\n  encode:\n    dense:\n      dim: 384\n" +
		"profiles:\n  default:\n    adapter_path: sie_server.adapters.sentence_transformer:SentenceTransformerAdapter\n    max_batch_tokens: 8192\n"
}

// stubModel has no tasks: workers hold a stub, so it is acked but
// cannot serve (acked_unservable).
func stubModel(id string) string {
	return "sie_id: " + id + "\nhf_id: " + id + "\nprofiles:\n  default:\n" +
		"    adapter_path: sie_server.adapters.sentence_transformer:SentenceTransformerAdapter\n    max_batch_tokens: 8192\n"
}
