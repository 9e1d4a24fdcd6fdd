package workers

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func msg(name, bundle, hash string, ready bool, loaded ...string) []byte {
	models := "["
	for i, m := range loaded {
		if i > 0 {
			models += ","
		}
		models += fmt.Sprintf("%q", m)
	}
	models += "]"
	return []byte(fmt.Sprintf(`{"ready":%t,"name":%q,"bundle":%q,"bundle_config_hash":%q,"machine_profile":"l4","gpu_count":1,"loaded_models":%s,
		"models":[{"queue_depth":2}],"gpus":[{"memory_used_bytes":1000,"memory_total_bytes":4000}]}`, ready, name, bundle, hash, models))
}

func mustHandle(t *testing.T, r *Registry, url string, data []byte, now time.Time) {
	t.Helper()
	if err := r.HandleMessage(url, data, now); err != nil {
		t.Fatal(err)
	}
}

func health(r *Registry, url string) Health {
	if w := r.Get(url); w != nil && w.Info() != nil {
		return w.Info().Health
	}
	return 255
}

// worker_registry.rs #1–#3, #11: registration, fields, "became healthy".
func TestRegistryRegistersNew(t *testing.T) {
	var became []string
	r := NewRegistry(RegistryConfig{OnHealthy: func(i *Info) { became = append(became, i.URL) }})
	now := time.Now()
	mustHandle(t, r, "http://w1", msg("w1", "default", "h", true, "m"), now)
	info := r.Get("http://w1").Info()
	if info.Health != Healthy || info.Name != "w1" || info.MachineProfile != "l4" || info.Bundle != "default" ||
		info.QueueDepth != 2 || info.MemoryUsedBytes != 1000 || info.MemoryTotalBytes != 4000 || !info.HasLoaded("m") {
		t.Fatalf("%+v", info)
	}
	mustHandle(t, r, "http://w1", msg("w1", "default", "h", true, "m"), now)
	if !slices.Equal(became, []string{"http://w1"}) {
		t.Fatalf("became healthy %v", became)
	}
	// An unchanged message keeps the snapshot and only refreshes the heartbeat.
	if r.Get("http://w1").Info() != info {
		t.Fatal("unchanged message rebuilt the snapshot")
	}
	later := now.Add(time.Second)
	mustHandle(t, r, "http://w1", msg("w1", "default", "h", true, "m"), later)
	if hb, _ := r.LastHeartbeat("http://w1"); !hb.Equal(later) {
		t.Fatal("heartbeat not refreshed")
	}
}

// worker_registry.rs #2, #4–#6 and the D3k state machine.
func TestRegistryStateMachine(t *testing.T) {
	r := NewRegistry(RegistryConfig{})
	now := time.Now()
	mustHandle(t, r, "u", []byte(`{"ready":false}`), now)
	if h := health(r, "u"); h != Unknown {
		t.Fatalf("new not-ready worker: %v", h)
	}
	if info := r.Get("u").Info(); info.Name != "u" || info.Bundle != "default" || info.GPUCount != 1 {
		t.Fatalf("defaults: %+v", info)
	}
	mustHandle(t, r, "u", []byte(`{"ready":true}`), now)
	if health(r, "u") != Healthy {
		t.Fatal("ready → Healthy")
	}
	mustHandle(t, r, "u", []byte(`{"ready":false}`), now)
	if health(r, "u") != Unhealthy {
		t.Fatal("ready:false demotes Healthy (D3k)")
	}
	mustHandle(t, r, "u", []byte(`{"ready":false}`), now)
	if health(r, "u") != Unhealthy {
		t.Fatal("stays Unhealthy")
	}
	mustHandle(t, r, "u", []byte(`{"ready":true}`), now)
	r.MarkUnhealthy("u", "closed")
	if health(r, "u") != Unhealthy {
		t.Fatal("connection loss → Unhealthy")
	}
	r.MarkUnhealthy("nobody", "closed") // #15: no-op
	if r.Get("nobody") != nil {
		t.Fatal("MarkUnhealthy registered a worker")
	}
	for h, want := range map[Health]string{Healthy: "healthy", Unhealthy: "unhealthy", Unknown: "unknown"} {
		if h.String() != want {
			t.Errorf("%d → %s", h, h.String())
		}
	}
}

// worker_registry.rs #16, #17: the heartbeat checker.
func TestRegistryHeartbeats(t *testing.T) {
	r := NewRegistry(RegistryConfig{HeartbeatTimeout: 15 * time.Second})
	now := time.Now()
	mustHandle(t, r, "a", msg("a", "default", "", true), now)
	mustHandle(t, r, "b", msg("b", "default", "", true), now.Add(10*time.Second))
	if n := r.CheckHeartbeats(now.Add(14 * time.Second)); n != 0 {
		t.Fatal("fresh heartbeats must stay")
	}
	if n := r.CheckHeartbeats(now.Add(16 * time.Second)); n != 1 || health(r, "a") != Unhealthy || health(r, "b") != Healthy {
		t.Fatal("expired heartbeat → Unhealthy")
	}
}

// worker_registry.rs #12, #13, #18, #19 and the eligible view (§4.2).
func TestRegistryViews(t *testing.T) {
	r := NewRegistry(RegistryConfig{})
	now := time.Now()
	mustHandle(t, r, "http://z", msg("b-worker", "default", "h1", true, "m1"), now)
	mustHandle(t, r, "http://y", msg("a-worker", "default", "h2", true, "m1", "m2"), now)
	mustHandle(t, r, "http://x", msg("c", "Default", "h1", true), now)
	mustHandle(t, r, "http://w", msg("d", "default", "h1", false), now)
	mustHandle(t, r, "http://v", []byte(`{"ready":true,"bundle":"default"}`), now)
	el := r.Eligible("default")
	var names []string
	for _, e := range el {
		names = append(names, e.Name)
	}
	if !slices.Equal(names, []string{"a-worker", "b-worker", "http://v"}) {
		t.Fatalf("eligible %v (sorted, exact bundle, Healthy only)", names)
	}
	if r.HealthyCount() != 4 || r.ConnectedWorkers("Default") != 1 || len(r.Healthy()) != 4 || len(r.Workers()) != 5 {
		t.Fatal("counts")
	}
	v1 := r.current()
	if r.current() != v1 {
		t.Fatal("the view must be cached while nothing changes")
	}
	mustHandle(t, r, "http://z", msg("b-worker", "default", "h1", false), now)
	if len(r.Eligible("default")) != 2 {
		t.Fatal("a demoted worker leaves the view")
	}
	r.Remove("http://y")
	if len(r.Workers()) != 4 || len(r.Eligible("default")) != 1 {
		t.Fatal("remove")
	}
}

func TestRegistryConcurrent(t *testing.T) {
	r := NewRegistry(RegistryConfig{})
	done := make(chan struct{})
	for i := 0; i < 8; i++ {
		go func() {
			defer func() { done <- struct{}{} }()
			url := fmt.Sprintf("http://w%d", i)
			for j := 0; j < 200; j++ {
				_ = r.HandleMessage(url, msg(url, "default", fmt.Sprint(j%3), j%5 != 0), time.Now())
				_ = r.Eligible("default")
				r.CheckHeartbeats(time.Now())
			}
		}()
	}
	for i := 0; i < 8; i++ {
		<-done
	}
	if len(r.Workers()) != 8 {
		t.Fatal("lost workers")
	}
}
