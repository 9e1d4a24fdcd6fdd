package workers

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

func heartbeat(name string, ready bool, hash string) []byte {
	r := "false"
	if ready {
		r = "true"
	}
	return []byte(`{"name":"` + name + `","ready":` + r + `,"terminated":false,"gpu_count":1,"total_gpu_slots":1,"ready_gpu_slots":1,` +
		`"machine_profile":"l4","pool_name":"","bundle":"default","bundle_config_hash":"` + hash + `","loaded_models":[],"loading_models":[],` +
		`"queue_depth":2,"pending_cost":0,"inflight_batches":0,"saturated":false,"unsupported_models":[]}`)
}

// A heartbeat registers an unknown worker; terminated removes it at once;
// a silence longer than the timeout removes it at the next expiry.
func TestHeartbeatsDiscoverAndRemove(t *testing.T) {
	reg := NewRegistry(RegistryConfig{})
	metrics := prometheus.NewRegistry()
	hb := NewHeartbeats(reg, HeartbeatConfig{SilenceTimeout: 30 * time.Second, Metrics: metrics})
	t0 := time.Unix(1000, 0)
	v0 := reg.Version()
	hb.Handle("sie.health.w-1", heartbeat("w-1", true, "h1"), t0)
	all := reg.Workers()
	if len(all) != 1 || all[0].Name != "w-1" || all[0].URL != "sie.health.w-1" || all[0].Source != SourceNATS ||
		!all[0].Healthy() || all[0].QueueDepth != 2 || reg.Version() == v0 {
		t.Fatalf("after the first heartbeat: %+v", all)
	}
	if e := reg.Eligible("default"); len(e) != 1 || e[0].Hash != "h1" {
		t.Fatalf("eligible: %+v", e)
	}
	hb.Handle("sie.health.w-1", heartbeat("w-1", true, "h2"), t0.Add(5*time.Second))
	if e := reg.Eligible("default"); len(e) != 1 || e[0].Hash != "h2" {
		t.Fatalf("after a change: %+v", e)
	}
	// A heartbeat without a name is named by the subject's last token.
	hb.Handle("sie.health.pod.w-2", []byte(`{"ready":true,"bundle":"default"}`), t0)
	if all := reg.Workers(); len(all) != 2 || all[0].Name != "w-2" {
		t.Fatalf("unnamed heartbeat: %+v", all)
	}
	hb.Handle("sie.health.pod.w-2", []byte(`{"name":"w-2","ready":false,"terminated":true}`), t0)
	if all := reg.Workers(); len(all) != 1 || all[0].Name != "w-1" {
		t.Fatalf("after terminated: %+v", all)
	}
	if n := hb.Expire(t0.Add(35 * time.Second)); n != 0 || len(reg.Workers()) != 1 {
		t.Fatalf("expired %d within the timeout", n)
	}
	if n := hb.Expire(t0.Add(35*time.Second + time.Nanosecond)); n != 1 || len(reg.Workers()) != 0 {
		t.Fatalf("expired %d after the silence; left %+v", n, reg.Workers())
	}
	// Invalid messages and foreign subjects change nothing.
	hb.Handle("sie.health.w-3", []byte(`{"ready":"yes"}`), t0)
	hb.Handle("sie.health.w-3", []byte(`not json`), t0)
	hb.Handle("other.w-3", heartbeat("w-3", true, "h"), t0)
	hb.Handle("sie.health.", heartbeat("w-3", true, "h"), t0)
	if len(reg.Workers()) != 0 {
		t.Fatalf("invalid heartbeats registered %+v", reg.Workers())
	}
	for result, want := range map[string]float64{"applied": 3, "terminated": 1, "invalid": 2} {
		if got := counterValue(t, hb.messages.WithLabelValues(result)); got != want {
			t.Errorf("heartbeats{result=%s} = %v, want %v", result, got, want)
		}
	}
	for reason, want := range map[string]float64{"terminated": 1, "silence": 1} {
		if got := counterValue(t, hb.removed.WithLabelValues(reason)); got != want {
			t.Errorf("removed{reason=%s} = %v, want %v", reason, got, want)
		}
	}
}

// A NATS worker that misses heartbeats is demoted like a WebSocket worker
// (unhealthy, disconnected) before it is removed.
func TestHeartbeatsSilentWorkerDemotedFirst(t *testing.T) {
	reg := NewRegistry(RegistryConfig{HeartbeatTimeout: 15 * time.Second})
	hb := NewHeartbeats(reg, HeartbeatConfig{SilenceTimeout: 30 * time.Second})
	t0 := time.Unix(1000, 0)
	hb.Handle("sie.health.w", heartbeat("w", true, "h"), t0)
	if n := reg.CheckHeartbeats(t0.Add(16 * time.Second)); n != 1 {
		t.Fatalf("demoted %d", n)
	}
	if all := reg.Workers(); len(all) != 1 || all[0].Healthy() || all[0].Connected {
		t.Fatalf("%+v", all)
	}
	hb.Handle("sie.health.w", heartbeat("w", true, "h"), t0.Add(20*time.Second))
	if all := reg.Workers(); len(all) != 1 || !all[0].Healthy() {
		t.Fatalf("back: %+v", all)
	}
}

// A worker heard over its WebSocket and on NATS under the same name counts
// once everywhere: the healthier report wins, then the newer one. Two
// static URLs with the same name stay two workers, as before.
func TestBothSourcesCountOnce(t *testing.T) {
	reg := NewRegistry(RegistryConfig{})
	hb := NewHeartbeats(reg, HeartbeatConfig{})
	t0 := time.Unix(1000, 0)
	if err := reg.HandleMessage("http://127.0.0.1:9000", heartbeat("w-1", true, "old"), t0); err != nil {
		t.Fatal(err)
	}
	hb.Handle("sie.health.w-1", heartbeat("w-1", true, "new"), t0.Add(time.Millisecond))
	hb.Handle("sie.health.w-2", heartbeat("w-2", true, "new"), t0)
	if n := reg.HealthyCount(); n != 2 {
		t.Fatalf("healthy = %d, want 2 (w-1 once, w-2)", n)
	}
	e := reg.Eligible("default")
	if len(e) != 2 || e[0].Name != "w-1" || e[0].Hash != "new" || e[1].Name != "w-2" {
		t.Fatalf("eligible: %+v", e)
	}
	if a := reg.Advertising("default"); len(a) != 2 {
		t.Fatalf("advertising: %+v", a)
	}
	// The WebSocket report changes later: it is the newer one now.
	if err := reg.HandleMessage("http://127.0.0.1:9000", heartbeat("w-1", true, "newest"), t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if e := reg.Eligible("default"); e[0].Hash != "newest" || e[0].URL != "http://127.0.0.1:9000" {
		t.Fatalf("eligible after the WebSocket change: %+v", e[0])
	}
	// The socket is lost: the healthy NATS report stands for the worker.
	reg.MarkUnhealthy("http://127.0.0.1:9000", "closed")
	if e := reg.Eligible("default"); len(e) != 2 || e[0].URL != "sie.health.w-1" {
		t.Fatalf("eligible after the socket loss: %+v", e)
	}
	if all := reg.Workers(); len(all) != 2 {
		t.Fatalf("workers: %+v", all)
	}
	// Static workers are never merged among themselves.
	if err := reg.HandleMessage("http://127.0.0.1:9001", heartbeat("w-9", true, "h"), t0); err != nil {
		t.Fatal(err)
	}
	if err := reg.HandleMessage("http://127.0.0.1:9002", heartbeat("w-9", true, "h"), t0); err != nil {
		t.Fatal(err)
	}
	if n := reg.HealthyCount(); n != 4 {
		t.Fatalf("healthy = %d, want 4", n)
	}
}

// FuzzHeartbeat: any subject and payload is either ignored or registers
// (or removes) exactly the worker of that subject; nothing panics.
func FuzzHeartbeat(f *testing.F) {
	f.Add("sie.health.w-1", heartbeat("w-1", true, "h"))
	f.Add("sie.health.a.b", []byte(`{"ready":true}`))
	f.Add("sie.health.w", []byte(`{"terminated":true}`))
	f.Add("sie.health.", []byte(`{}`))
	f.Add("x", []byte(`{"ready":true,"name":null}`))
	f.Fuzz(func(t *testing.T, subject string, data []byte) {
		reg := NewRegistry(RegistryConfig{})
		hb := NewHeartbeats(reg, HeartbeatConfig{})
		hb.Handle(subject, data, time.Unix(1, 0))
		all := reg.Workers()
		var raw rawStatus
		var s scanner
		valid := parseStatus(&s, data, &raw) == nil
		id := HealthID(subject)
		want := valid && !raw.terminated && id != "" && len(subject) > len(HealthSubjectPrefix) && subject[:len(HealthSubjectPrefix)] == HealthSubjectPrefix
		if !want {
			if len(all) != 0 {
				t.Fatalf("%q %q registered %+v", subject, data, all)
			}
			return
		}
		if len(all) != 1 || all[0].URL != subject || all[0].Source != SourceNATS || (len(raw.name) == 0 && all[0].Name != id) {
			t.Fatalf("%q %q: %+v", subject, data, all)
		}
		hb.Handle(subject, []byte(`{"terminated":true}`), time.Unix(2, 0))
		if n := len(reg.Workers()); n != 0 {
			t.Fatalf("terminated left %d", n)
		}
	})
}
