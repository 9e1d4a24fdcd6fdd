package configserver_test

// Active-active replicas on a nats:// store: every replica accepts writes,
// epochs stay unique and gapless, a lost race is planned again, reads and
// /export follow the other replicas' writes, each replica publishes its own
// deltas, and a restarted replica loads the shared state.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/sieproject/sie/internal/configserver"
	"github.com/sieproject/sie/internal/gatewayserver"
	"github.com/sieproject/sie/internal/testkit"
)

// replicaSet starts JetStream and n sie-config replicas on nats://bucket.
func replicaSet(t *testing.T, n int, bucket string) (*natsserver.Server, layout, []*instance) {
	t.Helper()
	srv := testkit.NATS(t, func(o *natsserver.Options) { o.JetStream, o.StoreDir = true, t.TempDir() })
	t.Setenv("SIE_NATS_URL", srv.ClientURL())
	l := newLayout(t, nil, map[string]string{"test__model.yaml": seedYAML})
	var out []*instance
	for i := range n {
		out = append(out, bootReplica(t, l, srv.ClientURL(), bucket, i))
	}
	return srv, l, out
}

func bootReplica(t *testing.T, l layout, url, bucket string, i int) *instance {
	t.Helper()
	cfg := l.config()
	cfg.RouterID, cfg.StoreURL, cfg.NATSURL = fmt.Sprintf("sie-config-%d", i), "nats://"+bucket, url
	in := boot(t, cfg)
	testkit.Eventually(t, 10*time.Second, "replica ready", func() bool {
		return in.get("/readyz").status == 200 && in.Service().NATSConnected()
	})
	return in
}

type writeAnswer struct {
	Epoch           int64    `json:"epoch"`
	RouterID        string   `json:"router_id"`
	CreatedProfiles []string `json:"created_profiles"`
}

func TestReplicasAcceptWritesWithGaplessEpochs(t *testing.T) {
	srv, l, reps := replicaSet(t, 3, "ha")
	all := subscribe(t, srv.ClientURL(), "sie.config.models._all")
	const writers, each = 6, 5
	var mu sync.Mutex
	var epochs []int64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				in := reps[(w+i)%len(reps)]
				// A new model, and a profile appended to one shared model.
				for _, body := range []string{
					fmt.Sprintf("sie_id: w%d/m%d\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n", w, i),
					fmt.Sprintf("sie_id: shared/x\nprofiles:\n  p%d_%d:\n    adapter_path: sie_server.adapters.bert_flash:B\n", w, i),
				} {
					r := in.postModel(body)
					if r.status != 201 {
						t.Errorf("POST via %s: %d %s", in.Service().RouterID(), r.status, r.body)
						return
					}
					var a writeAnswer
					check(t, json.Unmarshal([]byte(r.body), &a))
					mu.Lock()
					epochs = append(epochs, a.Epoch)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	total := writers * each * 2
	slices.Sort(epochs)
	for i, e := range epochs {
		if e != int64(i+1) {
			t.Fatalf("epochs are not unique and gapless: %v", epochs)
		}
	}
	// Every replica converges on the same export, with every profile.
	testkit.Eventually(t, time.Second, "replicas converge within a second", func() bool {
		first := exportOf(t, reps[0])
		for _, in := range reps[1:] {
			if exportOf(t, in) != first {
				return false
			}
		}
		return strings.Contains(first, fmt.Sprintf(`"epoch":%d`, total))
	})
	shared := reps[2].get("/v1/configs/models/shared/x").body
	for w := range writers {
		for i := range each {
			if !strings.Contains(shared, fmt.Sprintf("p%d_%d:", w, i)) {
				t.Fatalf("profile p%d_%d lost:\n%s", w, i, shared)
			}
		}
	}
	// Each epoch is announced once per target by the replica that wrote it.
	seen := map[int64]bool{}
	routers := map[string]bool{}
	testkit.Eventually(t, 10*time.Second, "every epoch announced", func() bool {
		for {
			select {
			case m := <-all.ch:
				var p struct {
					Epoch    int64  `json:"epoch"`
					RouterID string `json:"router_id"`
				}
				check(t, json.Unmarshal([]byte(m.data), &p))
				seen[p.Epoch] = true
				routers[p.RouterID] = true
			default:
				return len(seen) == total
			}
		}
	})
	if len(routers) != 3 {
		t.Fatalf("deltas came from %v, want all three replicas", routers)
	}

	// A replica that restarts loads the shared state.
	reps[0].stop()
	again := bootReplica(t, l, srv.ClientURL(), "ha", 0)
	if got, want := exportOf(t, again), exportOf(t, reps[1]); got != want {
		t.Fatalf("restarted replica's export differs:\n%s\nwant\n%s", got, want)
	}
	wantContains(t, again.postModel(neYAML), 201, fmt.Sprintf(`"epoch":%d,`, total+1))
}

// TestLostRaceIsAnsweredAfterTheWinner: the same DELETE sent to two
// replicas at once deletes once (200) and the other answers as if it came
// second (404); a PUT with If-None-Match: * likewise creates once.
func TestLostRaceIsAnsweredAfterTheWinner(t *testing.T) {
	_, _, reps := replicaSet(t, 2, "race")
	for round := range 8 {
		id := fmt.Sprintf("r/m%d", round)
		body := "sie_id: " + id + "\nprofiles:\n  d:\n    adapter_path: sie_server.adapters.bert_flash:B\n"
		statuses := make([]int, 2)
		var wg sync.WaitGroup
		for i, in := range reps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = in.do("PUT", "/v1/configs/models/"+id, body, "If-None-Match", "*").status
			}()
		}
		wg.Wait()
		slices.Sort(statuses)
		if statuses[0] != 201 || statuses[1] != 412 {
			t.Fatalf("round %d: concurrent create-only PUTs answered %v, want [201 412]", round, statuses)
		}
		for i, in := range reps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = in.do("DELETE", "/v1/configs/models/"+id, "").status
			}()
		}
		wg.Wait()
		slices.Sort(statuses)
		if statuses[0] != 200 || statuses[1] != 404 {
			t.Fatalf("round %d: concurrent DELETEs answered %v, want [200 404]", round, statuses)
		}
	}
	// 8 creates and 8 deletes: epoch 16 everywhere.
	for _, in := range reps {
		testkit.Eventually(t, time.Second, "epoch 16", func() bool { return strings.Contains(in.get("/v1/configs/epoch").body, "16") })
	}
}

var _ = configserver.Config{}

// TestHistoryAcrossReplicas: a model's history written through several
// replicas reads the same from each, with op and token, and a rollback
// through one replica is seen by the others.
func TestHistoryAcrossReplicas(t *testing.T) {
	_, _, reps := replicaSet(t, 2, "hist")
	a, b := reps[0], reps[1]
	v1 := "sie_id: h/m\nprofiles:\n  d:\n    adapter_path: sie_server.adapters.bert_flash:B\n"
	v2 := "sie_id: h/m\nprofiles:\n  d:\n    adapter_path: sie_server.adapters.bert_flash:C\n"
	wantContains(t, a.do("PUT", "/v1/configs/models/h/m", v1), 201, `"epoch":1,`)
	wantContains(t, b.do("PUT", "/v1/configs/models/h/m", v2), 200, `"epoch":2,`)
	wantContains(t, a.do("DELETE", "/v1/configs/models/h/m", ""), 200, `"epoch":3}`)
	var hist string
	testkit.Eventually(t, time.Second, "history on b", func() bool {
		hist = b.get("/v1/configs/models/h/m/history").body
		return strings.Count(hist, `"epoch"`) == 3
	})
	if got := a.get("/v1/configs/models/h/m/history").body; got != hist {
		t.Fatalf("histories differ:\n%s\n%s", got, hist)
	}
	for _, part := range []string{`"op":"delete"`, `"op":"replace"`, `"op":"create"`, `"raw_yaml":null`} {
		if !strings.Contains(hist, part) {
			t.Fatalf("history lacks %s: %s", part, hist)
		}
	}
	wantContains(t, b.do("POST", "/v1/configs/models/h/m/rollback?to_epoch=1", ""), 201, `"epoch":4,`)
	testkit.Eventually(t, time.Second, "rollback seen on a", func() bool {
		r := a.get("/v1/configs/models/h/m")
		return r.status == 200 && strings.Contains(r.body, "bert_flash:B")
	})
}

// TestGatewayTrustsEveryReplica: a gateway with the default trust list,
// bootstrapped from one replica and never polling, applies the deltas of
// writes made on the others as deltas (none rejected as untrusted, none
// seen as a gap).
func TestGatewayTrustsEveryReplica(t *testing.T) {
	srv, _, reps := replicaSet(t, 3, "trust")
	cfg, err := gatewayserver.FromEnv(func(string) (string, bool) { return "", false })
	check(t, err)
	cfg.Host, cfg.Port, cfg.LogOutput = "127.0.0.1", 0, io.Discard
	cfg.ConfigURL, cfg.NATSURL, cfg.PollInterval = reps[0].URL(), srv.ClientURL(), time.Hour
	g, err := gatewayserver.Start(context.Background(), cfg)
	check(t, err)
	t.Cleanup(func() { _ = g.Shutdown(context.Background()) })
	testkit.Eventually(t, 10*time.Second, "gateway ready", func() bool {
		code, _ := httpGet(t, g.URL()+"/readyz")
		return code == 200
	})
	for i, in := range reps {
		body := fmt.Sprintf("sie_id: t/m%d\nprofiles:\n  d:\n    adapter_path: sie_server.adapters.bert_flash:B\n", i)
		wantContains(t, in.postModel(body), 201, fmt.Sprintf(`"epoch":%d,`, i+1))
		testkit.Eventually(t, 2*time.Second, "gateway applies the delta", func() bool {
			code, _ := httpGet(t, fmt.Sprintf("%s/v1/configs/models/t/m%d", g.URL(), i))
			return code == 200
		})
	}
	_, metrics := httpGet(t, g.URL()+"/metrics")
	for _, bad := range []string{`result="rejected_untrusted"`, `result="gap"`} {
		if strings.Contains(metrics, "sie_gateway_config_deltas_total") && strings.Contains(metrics, bad) {
			t.Errorf("gateway metrics report %s:\n%s", bad, grepLines(metrics, "sie_gateway_config_deltas_total"))
		}
	}
	if !strings.Contains(metrics, `result="applied"`) {
		t.Errorf("no delta applied:\n%s", grepLines(metrics, "sie_gateway_config_deltas_total"))
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := client.Get(url)
	check(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	check(t, err)
	return resp.StatusCode, string(data)
}

func grepLines(text, substr string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
