package gatewayserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/gatewayserver"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/testkit/testcluster"
	"github.com/sieproject/sie/internal/workersim"
)

// The readiness a user sees (extensions E1, E3, E4), black-box: real
// sie-config, gateways and simulated workers over HTTP, NATS and WebSocket.

// quickExample is the public Config API page's Quick Example (no tasks).
func quickExample(t testing.TB) string {
	t.Helper()
	return string(testkit.Testdata(t, "quick-example.yaml"))
}

// status is the part of the status view these tests read.
type status struct {
	State       string `json:"state"`
	Reason      string `json:"reason"`
	Message     string `json:"message"`
	ConfigEpoch uint64 `json:"config_epoch"`
	WorkerView  struct {
		Form    string   `json:"form"`
		Reasons []string `json:"reasons"`
	} `json:"worker_view"`
	Bundles []struct {
		BundleID string `json:"bundle_id"`
		Workers  []struct {
			Name        string  `json:"name"`
			Health      string  `json:"health"`
			Acked       bool    `json:"acked"`
			ConfigEpoch *uint64 `json:"config_epoch"`
			Detail      string  `json:"detail"`
		} `json:"workers"`
	} `json:"bundles"`
}

func (c *cluster) status(g *gatewayserver.Server, id string) (status, bool) {
	c.t.Helper()
	code, body := c.get(g, "/v1/configs/models/"+id+"/status")
	var s status
	if code != 200 || json.Unmarshal([]byte(body), &s) != nil {
		return s, false
	}
	return s, true
}

// waitState waits until id's state on g is want and returns the view.
func (c *cluster) waitState(g *gatewayserver.Server, id, want string, within time.Duration) status {
	c.t.Helper()
	var last status
	testkit.Eventually(c.t, within, fmt.Sprintf("%s to be %s (last: %+v)", id, want, &last), func() bool {
		s, ok := c.status(g, id)
		last = s
		return ok && s.State == want
	})
	return last
}

// waitAcked waits until id is ready with n workers, every one acked.
func (c *cluster) waitAcked(g *gatewayserver.Server, id string, n int, within time.Duration) status {
	c.t.Helper()
	var last status
	testkit.Eventually(c.t, within, fmt.Sprintf("%s ready on %d acked workers (last: %+v)", id, n, &last), func() bool {
		s, ok := c.status(g, id)
		last = s
		if !ok || s.State != "ready" || len(s.Bundles) != 1 || len(s.Bundles[0].Workers) != n {
			return false
		}
		for _, w := range s.Bundles[0].Workers {
			if !w.Acked {
				return false
			}
		}
		return true
	})
	return last
}

// writeBody sends a write to sie-config and returns its decoded answer.
func (c *cluster) writeBody(method, path, body string, want int) map[string]any {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.Config.URL()+path, strings.NewReader(body))
	resp, err := c.Client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != want {
		c.t.Fatalf("%s %s: %d %v %v", method, path, resp.StatusCode, out, err)
	}
	return out
}

func catchUp(url string, poll time.Duration) func(*workersim.Config) {
	return func(cfg *workersim.Config) {
		cfg.ConfigURL, cfg.ConfigPoll, cfg.ConfigFullSync = url, poll, time.Hour
	}
}

func (c *cluster) healthy(g *gatewayserver.Server, n int) {
	c.t.Helper()
	testkit.Eventually(c.t, 10*time.Second, "workers healthy", func() bool { return g.Registry().HealthyCount() == n })
}

// The Quick Example is accepted as a stub and, once acked, explained as
// acked_unservable; a full document is strict and ready.
func TestReadinessQuickExampleAndFullDocument(t *testing.T) {
	c := newCluster(t)
	c.startWorkers(2)
	g := c.startGateway(nil)
	c.waitReady()
	c.healthy(g, 2)

	out := c.writeBody(http.MethodPost, "/v1/configs/models", quickExample(t), 201)
	view, _ := out["worker_view"].(map[string]any)
	if view["form"] != "stub" || fmt.Sprint(view["reasons"]) != "[no 'tasks' mapping: workers hold a stub without outputs and reject inference for this model]" {
		t.Fatalf("POST answer: %v", out)
	}
	s := c.waitState(g, "intfloat/multilingual-e5-base", "acked_unservable", 10*time.Second)
	if s.Reason != "stub_on_workers" || s.WorkerView.Form != "stub" || len(s.WorkerView.Reasons) != 1 ||
		!strings.HasPrefix(s.Message, "2 of 2 workers of bundle default acked, but no 'tasks' mapping") {
		t.Fatalf("quick example: %+v", s)
	}

	out = c.writeBody(http.MethodPost, "/v1/configs/models", modelYAML("it/full", "default"), 201)
	if view, _ := out["worker_view"].(map[string]any); view["form"] != "strict" || fmt.Sprint(view["reasons"]) != "[]" {
		t.Fatalf("POST answer: %v", out)
	}
	s = c.waitState(g, "it/full", "ready", 10*time.Second)
	if s.Reason != "" || s.WorkerView.Form != "strict" || s.Message != fmt.Sprintf("2 of 2 workers of bundle default report the expected config (epoch %d)", s.ConfigEpoch) {
		t.Fatalf("full document: %+v", s)
	}
}

// Without catch-up, the detail tells a worker that missed a delta (behind,
// at the epoch it holds) from one restarted after a write (unknown_config:
// the seed-only config it reports was never expected by this gateway,
// which started after the first write).
func TestReadinessDetailWithoutCatchUp(t *testing.T) {
	c := newCluster(t)
	first := testkit.FreePorts(t, 2)
	f, _ := c.startFleet(2, first, nil)
	e1 := c.mustWrite(http.MethodPost, "/v1/configs/models", modelYAML("it/a", "default"), 201)
	g := c.startGateway(nil)
	c.waitReady()
	c.healthy(g, 2)
	c.waitState(g, "it/a", "ready", 10*time.Second)

	c.fault(0, `{"drop_deltas": 1}`)
	e2 := c.mustWrite(http.MethodPost, "/v1/configs/models", modelYAML("it/b", "default"), 201)
	s := c.waitState(g, "it/a", "pending", 10*time.Second)
	testkit.Eventually(t, 10*time.Second, "worker 1 acks", func() bool {
		s, _ = c.status(g, "it/a")
		return len(s.Bundles) == 1 && len(s.Bundles[0].Workers) == 2 && s.Bundles[0].Workers[1].Acked
	})
	w := s.Bundles[0].Workers[0]
	if s.Reason != "workers_behind" || w.Detail != "behind" || w.ConfigEpoch == nil || *w.ConfigEpoch != e1 ||
		s.Message != fmt.Sprintf("1 of 2 workers of bundle default report an older config (epoch %d, expected %d)", e1, e2) {
		t.Fatalf("behind: %+v worker %+v", s, w)
	}

	// Restart both workers on their ports: without catch-up they serve only
	// their models directory, a config the gateway never expected.
	f.Shutdown(context.Background())
	c.startFleet(2, first, nil)
	s = c.waitState(g, "it/a", "pending", 10*time.Second)
	testkit.Eventually(t, 15*time.Second, fmt.Sprintf("restarted workers reporting (last %+v)", &s), func() bool {
		s, _ = c.status(g, "it/a")
		return len(s.Bundles) == 1 && len(s.Bundles[0].Workers) == 2 &&
			s.Bundles[0].Workers[0].Detail == "unknown_config" && s.Bundles[0].Workers[1].Detail == "unknown_config"
	})
	// The simulator reports its own config_epoch (0: no delta since start).
	if s.Reason != "workers_unknown_config" || *s.Bundles[0].Workers[0].ConfigEpoch != 0 {
		t.Fatalf("unknown_config: %+v", s)
	}
}

// With catch-up: (a) a dropped delta converges within one poll interval,
// (b) a restarted worker acks at startup, (c) the DELETE of an API-only
// model converges (a removal), (d) a sie-config outage during polls keeps
// the workers' models and they recover on their own.
func TestReadinessWithCatchUp(t *testing.T) {
	const poll = 500 * time.Millisecond
	c := newClusterWith(t, testcluster.Options{StoreDir: t.TempDir()})
	first := testkit.FreePorts(t, 2)
	f, _ := c.startFleet(2, first, catchUp(c.Config.URL(), poll))
	g := c.startGateway(nil)
	c.waitReady()
	c.healthy(g, 2)
	c.mustWrite(http.MethodPost, "/v1/configs/models", modelYAML("it/a", "default"), 201)
	c.waitState(g, "it/a", "ready", 10*time.Second)

	// (a) A lost delta is repaired by the next poll.
	c.fault(0, `{"drop_deltas": 1}`)
	c.mustWrite(http.MethodPost, "/v1/configs/models", modelYAML("it/b", "default"), 201)
	start := time.Now()
	c.waitState(g, "it/b", "ready", poll+5*time.Second)
	t.Logf("(a) converged %s after the write (poll %s)", time.Since(start), poll)

	// (b) A restarted worker acks at startup, with the export's epoch.
	f.Shutdown(context.Background())
	e3 := c.mustWrite(http.MethodPost, "/v1/configs/models", modelYAML("it/c", "default"), 201)
	c.startFleet(2, first, catchUp(c.Config.URL(), time.Hour)) // no poll: the startup reconcile alone
	s := c.waitAcked(g, "it/c", 2, 10*time.Second)
	for _, w := range s.Bundles[0].Workers {
		if w.ConfigEpoch == nil || *w.ConfigEpoch != e3 {
			t.Errorf("restarted worker %+v, want config epoch %d", w, e3)
		}
	}

	// (c) DELETE of an API-only model: the workers drop it (the delta
	// carries no document; the reconcile removes it).
	c.fleet.Shutdown(context.Background())
	c.startFleet(2, first, catchUp(c.Config.URL(), poll))
	c.waitState(g, "it/a", "ready", 10*time.Second)
	c.mustWrite(http.MethodDelete, "/v1/configs/models/it/c", "", 200)
	start = time.Now()
	for _, u := range c.fleet.URLs() {
		testkit.Eventually(t, poll+5*time.Second, "the workers drop it/c", func() bool {
			st := c.simState(u)
			return st != nil && !strings.Contains(fmt.Sprint(st["models"]), "it/c")
		})
	}
	t.Logf("(c) removal converged %s after the DELETE", time.Since(start))
	c.waitState(g, "it/a", "ready", 5*time.Second)

	// (d) sie-config away during polls: the workers keep their models and
	// stay acked; back on the same port, a new write converges unaided.
	cfgPort := c.ConfigPort()
	c.StopConfig()
	testkit.Eventually(t, 10*time.Second, "a failed poll reported", func() bool {
		st := c.simState(c.fleet.URLs()[0])
		return st != nil && st["last_reconcile_error"] != nil
	})
	if s, _ := c.status(g, "it/a"); s.State != "ready" {
		t.Fatalf("an outage changed the workers: %+v", s)
	}
	c.StartConfig(cfgPort)
	// Both workers lose the next delta: only their polls can bring it.
	c.fault(0, `{"drop_deltas": 1}`)
	c.fault(1, `{"drop_deltas": 1}`)
	c.mustWrite(http.MethodPost, "/v1/configs/models", modelYAML("it/d", "default"), 201)
	c.waitState(g, "it/d", "ready", poll+10*time.Second)
	if st := c.simState(c.fleet.URLs()[1]); st["last_reconcile_error"] != nil || st["deltas_dropped"] != 1.0 {
		t.Errorf("after recovery: %v", st)
	}
}

// simState reads a simulated worker's /sim/state (nil when unreachable).
func (c *cluster) simState(base string) map[string]any {
	resp, err := c.Client.Get(base + "/sim/state")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var st map[string]any
	if json.NewDecoder(resp.Body).Decode(&st) != nil {
		return nil
	}
	return st
}

// Shutdown may be called again (a test's cleanup after its own call): the
// later call returns the first one's result instead of blocking.
func TestShutdownIsIdempotent(t *testing.T) {
	c := newCluster(t)
	g := c.startGateway(nil)
	c.waitReady()
	if err := g.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- g.Shutdown(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a second Shutdown blocked")
	}
}
