package gateway

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

func resyncNow(t *testing.T, m *Mirror) error {
	t.Helper()
	return m.attempt(context.Background(), TriggerStartup)
}

// config_bootstrap.rs #1, #4 (differs), #16.
func TestBootstrapAppliesSnapshot(t *testing.T) {
	f := newFakeConfig(t).withDefaultBundle()
	f.set(func(f *fakeConfig) {
		f.wantToken = "admin-secret"
		f.epochBody = `{"epoch":42,"bundles_hash":"cafe"}`
		f.export = exportJSON(42, modelYAML("test/model", "default"))
	})
	m, _ := newTestMirror(t, Config{ConfigURL: f.srv.URL + "/", Token: "admin-secret"})
	if m.Ready() {
		t.Fatal("ready before the first bootstrap")
	}
	if err := resyncNow(t, m); err != nil {
		t.Fatal(err)
	}
	st := m.Snapshot()
	if st.Epoch() != 42 || st.BundlesHash() != "cafe" || !m.Ready() {
		t.Fatalf("epoch %d hash %q", st.Epoch(), st.BundlesHash())
	}
	if got := st.Exact("test/model"); got == nil || !slices.Equal(got.ProfileNames, []string{"default"}) || !slices.Equal(got.Bundles, []string{"default"}) {
		t.Fatalf("model: %+v", got)
	}
	// A later, lower export is authoritative (D3i).
	f.set(func(f *fakeConfig) { f.epochBody = `{"epoch":5}`; f.export = exportJSON(5) })
	if err := resyncNow(t, m); err != nil {
		t.Fatal(err)
	}
	if st := m.Snapshot(); st.Epoch() != 5 || st.Len() != 0 || st.BundlesHash() != "" {
		t.Fatalf("rewind: epoch %d models %v hash %q", st.Epoch(), modelIDs(st), st.BundlesHash())
	}
}

// config_bootstrap.rs #2, #8, #9, #15 and the atomic-resync rule: a failed
// attempt changes nothing, and the error names the status and body.
func TestBootstrapFailuresChangeNothing(t *testing.T) {
	f := newFakeConfig(t).withDefaultBundle()
	f.set(func(f *fakeConfig) {
		f.epochBody = `{"epoch":1}`
		f.export = exportJSON(1, modelYAML("keep/me", "default"))
	})
	m, _ := newTestMirror(t, Config{ConfigURL: f.srv.URL})
	if err := resyncNow(t, m); err != nil {
		t.Fatal(err)
	}
	before := m.Snapshot()
	cases := []struct {
		name   string
		script func(f *fakeConfig)
		want   string
	}{
		{"export 503", func(f *fakeConfig) { f.status["/v1/configs/export"] = 503 }, "HTTP 503"},
		{"export 401", func(f *fakeConfig) { f.wantToken = "t" }, "invalid_admin_token"},
		{"export not JSON", func(f *fakeConfig) { f.export = "<html>" }, "decode"},
		{"bundle 404", func(f *fakeConfig) { f.bundleList = append(f.bundleList, "ghost") }, "/v1/configs/bundles/ghost"},
		{"bundle without name", func(f *fakeConfig) { f.bundles["default"] = "priority: 1\n" }, "name is missing"},
		{"epoch not JSON", func(f *fakeConfig) { f.epochBody = "nope" }, "decode"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.set(func(f *fakeConfig) {
				f.status = map[string]int{}
				f.wantToken = ""
				f.epochBody = `{"epoch":9}`
				f.export = exportJSON(9)
				f.bundleList = []string{"default"}
				f.bundles["default"] = "name: other\nadapters: []\n"
				c.script(f)
			})
			err := resyncNow(t, m)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
			if m.Snapshot() != before {
				t.Fatal("a failed attempt changed the state")
			}
		})
	}
	var he *HTTPError
	f.set(func(f *fakeConfig) { f.epochBody = `{"epoch":9}`; f.status = map[string]int{"/v1/configs/export": 401} })
	if err := resyncNow(t, m); !errors.As(err, &he) || he.Status != 401 || he.Body != "scripted failure" {
		t.Fatalf("HTTPError: %v", err)
	}
}

// config_bootstrap.rs #5, #6: the epoch endpoint's optional keys.
func TestFetchEpoch(t *testing.T) {
	f := newFakeConfig(t)
	c := newConfigClient(f.srv.URL, "", nil, 0)
	for body, want := range map[string]RemoteEpoch{
		`{"epoch":42,"bundles_hash":"cafebabe"}`: {Epoch: 42, BundlesHash: "cafebabe"},
		`{"epoch":7}`:                            {Epoch: 7},
		`{"bundles_hash":"h","other":[1]}`:       {BundlesHash: "h"},
	} {
		f.set(func(f *fakeConfig) { f.epochBody = body })
		got, err := c.epoch(context.Background())
		if err != nil || got != want {
			t.Errorf("%s: got %+v, %v", body, got, err)
		}
	}
}

// config_bootstrap.rs #7, #10–#13 (#12, #13 differ: D3i), #14, #17.
func TestBootstrapEntries(t *testing.T) {
	f := newFakeConfig(t)
	f.set(func(f *fakeConfig) {
		f.bundleList = []string{"default", "", "gpu"}
		f.bundles["default"] = "name: default\npriority: 10\nadapters: [" + bertFlash + "]\n"
		f.bundles["gpu"] = "name: gpu\npriority: 5\nadapters: [" + bertFlash + ", gpu.mod]\ndefault: true\n"
		f.epochBody = `{"epoch":99,"bundles_hash":"h99"}`
		f.export = `{"epoch":99,"models":[
			{"model_id":"json/model","model_config":{"sie_id":"json/model","profiles":{"default":{"adapter_path":"gpu.mod:X","max_batch_tokens":1}}},"raw_yaml":null},
			{"model_id":"blank","model_config":null,"raw_yaml":"  \n"},
			{"model_id":"bad/yaml","model_config":null,"raw_yaml":"sie_id: [oops"},
			{"model_id":"mismatch","raw_yaml":"sie_id: other\n"},
			{"model_id":"yaml/fallback","model_config":{"sie_id":"yaml/fallback","profiles":{"default":{"adapter_path":"` + bertFlash + `:A","max_batch_tokens":2.5}}},"raw_yaml":"sie_id: {bad"},
			7,
			{"model_id":"good/model","raw_yaml":"sie_id: good/model\nprofiles:\n  default: {adapter_path: ` + bertFlash + `:A}\n"}]}`
	})
	m, reg := newTestMirror(t, Config{ConfigURL: f.srv.URL})
	if err := resyncNow(t, m); err != nil {
		t.Fatal(err)
	}
	st := m.Snapshot()
	if !slices.Equal(modelIDs(st), []string{"good/model", "json/model", "yaml/fallback"}) {
		t.Fatalf("models %v", modelIDs(st))
	}
	if st.Epoch() != 99 || st.BundlesHash() != "h99" {
		t.Fatalf("epoch %d hash %q: a bad entry never blocks the epoch", st.Epoch(), st.BundlesHash())
	}
	if b := st.Exact("good/model").Bundles; !slices.Equal(b, []string{"gpu", "default"}) {
		t.Fatalf("bundles %v", b)
	}
	if v := st.Exact("yaml/fallback").Doc(); v == nil {
		t.Fatal("model_config fallback")
	}
	if value(m.metrics.ExportSkippedTotal) != 4 || value(m.metrics.ExportSkipped) != 4 {
		t.Fatalf("skips: total %v gauge %v", value(m.metrics.ExportSkippedTotal), value(m.metrics.ExportSkipped))
	}
	_ = reg
	// A subset of bundles replaces the set; an empty export empties it.
	f.set(func(f *fakeConfig) { f.bundleList = []string{"default"}; f.export = `{"epoch":100,"models":[]}` })
	if err := resyncNow(t, m); err != nil {
		t.Fatal(err)
	}
	st = m.Snapshot()
	if len(st.Bundles()) != 1 || st.Bundle("gpu") != nil || st.Len() != 0 || value(m.metrics.ExportSkipped) != 0 {
		t.Fatalf("bundles %d models %v", len(st.Bundles()), modelIDs(st))
	}
}

// config_bootstrap.rs #3: no URL → nothing runs, and the mirror is ready.
func TestNoConfigURL(t *testing.T) {
	m, _ := startMirror(t, Config{})
	m.RequestResync(TriggerGap)
	if !m.Ready() || m.Busy() {
		t.Fatal("seed-only mode must be ready and idle")
	}
}

// Deltas received while an attempt is fetching are applied at once,
// buffered, and replayed on the new state when newer than the export.
func TestResyncBuffersDeltas(t *testing.T) {
	f := newFakeConfig(t).withDefaultBundle()
	block := make(chan struct{})
	f.set(func(f *fakeConfig) {
		f.epochBody = `{"epoch":10}`
		f.export = exportJSON(10, modelYAML("in/export", "default"))
		f.block = block
	})
	m, _ := newTestMirror(t, Config{ConfigURL: f.srv.URL})
	done := make(chan error, 1)
	go func() { done <- resyncNow(t, m) }()
	testkit.Eventually(t, 5*time.Second, "export request", func() bool { return f.hit("/v1/configs/export") == 1 })
	m.HandleDelta(payload("sie-config", 10, "old/one", modelYAML("old/one", "default")))
	m.HandleDelta(payload("sie-config", 11, "new/one", modelYAML("new/one", "default")))
	if m.Snapshot().Exact("new/one") == nil || m.Snapshot().Epoch() != 0 {
		t.Fatal("a buffered delta applies its content at once and leaves L")
	}
	close(block)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	st := m.Snapshot()
	if !slices.Equal(modelIDs(st), []string{"in/export", "new/one"}) || st.Epoch() != 11 {
		t.Fatalf("after swap: %v epoch %d", modelIDs(st), st.Epoch())
	}
	if deltaCount(m, KindModelAdded, ResultBuffered) != 2 {
		t.Error("buffered metric")
	}
}

// The gap scenario end to end: L=3, delta 5 → immediate resync to 5, then
// delta 6 applies normally.
func TestGapTriggersResync(t *testing.T) {
	f := newFakeConfig(t).withDefaultBundle()
	f.set(func(f *fakeConfig) { f.epochBody = `{"epoch":3}`; f.export = exportJSON(3) })
	m, _ := startMirror(t, Config{ConfigURL: f.srv.URL, PollInterval: time.Hour})
	testkit.Eventually(t, 5*time.Second, "bootstrap", m.Ready)
	f.set(func(f *fakeConfig) {
		f.epochBody = `{"epoch":5}`
		f.export = exportJSON(5, modelYAML("four", "default"), modelYAML("five", "default"))
	})
	m.HandleDelta(payload("sie-config", 5, "five", modelYAML("five", "default")))
	// The metric is counted just after the swap; wait for both.
	testkit.Eventually(t, 5*time.Second, "gap resync", func() bool {
		return m.Snapshot().Epoch() == 5 && resyncCount(m, TriggerGap, "success") == 1
	})
	if m.Snapshot().Exact("four") == nil {
		t.Fatal("the resync must bring the lost write")
	}
	m.HandleDelta(payload("sie-config", 6, "six", modelYAML("six", "default")))
	if st := m.Snapshot(); st.Epoch() != 6 || st.Exact("six") == nil {
		t.Fatal("a later delta applies normally")
	}
}

// Requests coalesce: many requests during one attempt cause one follow-up.
func TestResyncsCoalesce(t *testing.T) {
	f := newFakeConfig(t).withDefaultBundle()
	block := make(chan struct{})
	f.set(func(f *fakeConfig) { f.block = block })
	m, _ := startMirror(t, Config{ConfigURL: f.srv.URL, PollInterval: time.Hour})
	testkit.Eventually(t, 5*time.Second, "first export", func() bool { return f.hit("/v1/configs/export") == 1 })
	for i := 0; i < 20; i++ {
		m.RequestResync(TriggerGap)
	}
	if !m.Busy() {
		t.Fatal("busy while running")
	}
	close(block)
	testkit.Eventually(t, 5*time.Second, "follow-up", func() bool { return f.hit("/v1/configs/export") == 2 && !m.Busy() })
	time.Sleep(50 * time.Millisecond) // nothing else may start
	if n := f.hit("/v1/configs/export"); n != 2 {
		t.Fatalf("%d export fetches, want 2", n)
	}
}

// Failures back off, count, raise the degraded gauge after N in a row, and
// any success clears it.
func TestBackoffAndDegraded(t *testing.T) {
	f := newFakeConfig(t).withDefaultBundle()
	f.set(func(f *fakeConfig) { f.status["/v1/configs/epoch"] = 500 })
	m, _ := startMirror(t, Config{ConfigURL: f.srv.URL, PollInterval: time.Hour,
		BackoffInitial: time.Millisecond, BackoffMax: 4 * time.Millisecond, DegradedFailures: 3})
	testkit.Eventually(t, 5*time.Second, "degraded", m.Degraded)
	if value(m.metrics.BootstrapDegraded) != 1 || value(m.metrics.BootstrapFailures) < 3 || m.Ready() {
		t.Fatal("degraded gauge and failures")
	}
	f.set(func(f *fakeConfig) { f.status = map[string]int{} })
	testkit.Eventually(t, 5*time.Second, "recovery", m.Ready)
	testkit.Eventually(t, time.Second, "gauge cleared", func() bool { return value(m.metrics.BootstrapDegraded) == 0 && !m.Degraded() })
	if resyncCount(m, TriggerStartup, "success") != 1 || resyncCount(m, TriggerStartup, "failure") < 3 {
		t.Fatal("resync metrics")
	}
}

// The time rule of the degraded gauge: DegradedAfter after the first failure.
func TestDegradedAfterTime(t *testing.T) {
	f := newFakeConfig(t)
	f.set(func(f *fakeConfig) { f.status["/v1/configs/epoch"] = 500 })
	m, _ := startMirror(t, Config{ConfigURL: f.srv.URL, PollInterval: time.Hour,
		BackoffInitial: time.Hour, DegradedAfter: 20 * time.Millisecond})
	testkit.Eventually(t, 5*time.Second, "degraded by time", m.Degraded)
	if value(m.metrics.BootstrapFailures) != 1 {
		t.Fatal("one failure only")
	}
}
