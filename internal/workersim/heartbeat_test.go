package workersim

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sieproject/sie/internal/testkit"
)

// heartbeats subscribes to every worker heartbeat on url.
func heartbeats(t *testing.T, url string) chan *nats.Msg {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ch := make(chan *nats.Msg, 64)
	if _, err := nc.ChanSubscribe("sie.health.>", ch); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return ch
}

// nextHeartbeat waits (with a deadline) for the next heartbeat.
func nextHeartbeat(t *testing.T, ch chan *nats.Msg, what string) (*nats.Msg, ordered) {
	t.Helper()
	select {
	case m := <-ch:
		return m, decodeOrdered(t, m.Data)
	case <-time.After(10 * time.Second):
		t.Fatalf("no heartbeat: %s", what)
	}
	return nil, nil
}

// In nats mode a worker publishes its heartbeat on sie.health.<name>, with
// exactly the gateway's keys in order, at once when NATS comes up and on
// every change (well before the interval), and a terminated one on shutdown.
// It serves no status WebSocket.
func TestHeartbeatsOnNATS(t *testing.T) {
	url := startNATS(t)
	ch := heartbeats(t, url)
	cfg := testConfig(writeDirs(t, map[string]string{"seed.yaml": seedModel}), url)
	cfg.HealthMode, cfg.HeartbeatInterval, cfg.GPUCount, cfg.Pool = HealthNATS, time.Hour, 2, "pool-a"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := Start(ctx, cfg, testkit.Discard())
	if err != nil {
		t.Fatal(err)
	}
	m, hb := nextHeartbeat(t, ch, "the first one")
	if m.Subject != "sie.health.sim-default-0" {
		t.Fatalf("subject %q", m.Subject)
	}
	checkKeys(t, "heartbeat", hb, []struct{ key, kind string }{
		{"name", "string"}, {"ready", "bool"}, {"terminated", "bool"}, {"gpu_count", "int"},
		{"total_gpu_slots", "int"}, {"ready_gpu_slots", "int"}, {"machine_profile", "string"},
		{"pool_name", "string"}, {"bundle", "string"}, {"bundle_config_hash", "string"},
		{"loaded_models", "list"}, {"loading_models", "list"}, {"queue_depth", "int"},
		{"pending_cost", "int"}, {"inflight_batches", "int"}, {"saturated", "bool"}, {"unsupported_models", "list"},
	})
	if hb.get("name") != "sim-default-0" || hb.get("ready") != true || hb.get("terminated") != false ||
		hb.get("bundle") != "default" || hb.get("bundle_config_hash") != f.Workers()[0].Hash() ||
		hb.get("pool_name") != "pool-a" || hb.get("ready_gpu_slots") != json.Number("2") {
		t.Fatalf("heartbeat %s", m.Data)
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + f.Addrs()[0] + "/ws/status")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/ws/status in nats mode: %d", resp.StatusCode)
	}

	// A change goes out at once (the interval is an hour).
	postFaults(t, f.Addrs()[0], `{"ready":false}`)
	for {
		_, hb = nextHeartbeat(t, ch, "the change")
		if hb.get("ready") == false {
			break
		}
	}
	if hb.get("ready_gpu_slots") != json.Number("0") {
		t.Fatalf("not ready with %v ready slots", hb.get("ready_gpu_slots"))
	}
	// Frozen, the worker stays silent (the gateway test sees it leave);
	// unfrozen, it speaks at once.
	postFaults(t, f.Addrs()[0], `{"freeze_status":true}`)
	postFaults(t, f.Addrs()[0], `{"ready":true}`)
	postFaults(t, f.Addrs()[0], `{"freeze_status":false}`)
	for {
		_, hb = nextHeartbeat(t, ch, "the unfrozen one")
		if hb.get("ready") == true {
			break
		}
	}

	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	f.Shutdown(sctx)
	for {
		_, hb = nextHeartbeat(t, ch, "the terminated one")
		if hb.get("terminated") == true {
			break
		}
	}
	if hb.get("ready") != false {
		t.Fatalf("terminated heartbeat says ready")
	}
}

func TestHealthSubject(t *testing.T) {
	for name, want := range map[string]string{
		"sim-default-0":        "sie.health.sim-default-0",
		"pod.ns.svc-default-1": "sie.health.pod_ns_svc-default-1",
		"a*b>c d":              "sie.health.a_b_c_d",
		"":                     "sie.health._",
	} {
		if got := HealthSubject(name); got != want {
			t.Errorf("HealthSubject(%q) = %q, want %q", name, got, want)
		}
	}
}
