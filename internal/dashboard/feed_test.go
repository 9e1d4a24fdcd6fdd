package dashboard_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/broadcast"
	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/dashboard"
	"github.com/sieproject/sie/internal/gateway"
	"github.com/sieproject/sie/internal/workers"
	"github.com/sieproject/sie/internal/yamldoc"
)

const bertFlash = "sie_server.adapters.bert_flash"

// mirror is a settable config mirror.
type mirror struct {
	st      atomic.Pointer[gateway.State]
	changed broadcast.Signal
}

func (m *mirror) Snapshot() *gateway.State { return m.st.Load() }
func (m *mirror) Ready() bool              { return true }
func (m *mirror) Changed() <-chan struct{} { return m.changed.Wait() }

// newState holds the documents on bundles default (bert_flash) and sglang.
func newState(t testing.TB, epoch uint64, docs ...string) *gateway.State {
	t.Helper()
	var in []gateway.Document
	for _, d := range docs {
		m, err := yamldoc.Parse([]byte(d))
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, gateway.Document{Doc: m})
	}
	st, errs := gateway.NewState([]*catalog.Bundle{
		{Name: "default", Priority: 10, Adapters: []string{bertFlash}},
		{Name: "sglang", Priority: 20, Adapters: []string{"sie_server.adapters.sglang"}},
	}, in, epoch, "")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return st
}

func doc(id string) string {
	return fmt.Sprintf("sie_id: %s\nhf_id: %s\ntasks: {encode: {dense: {dim: 8}}}\nprofiles:\n  default:\n    adapter_path: %s:A\n    max_batch_tokens: 16\n", id, id, bertFlash)
}

// report sends a worker status message to the registry at time at.
func report(t testing.TB, reg *workers.Registry, url, name, bundle, hash string, ready bool, at time.Time) {
	t.Helper()
	msg := fmt.Sprintf(`{"ready":%t,"name":%q,"bundle":%q,"bundle_config_hash":%q,"loaded_models":[]}`, ready, name, bundle, hash)
	if err := reg.HandleMessage(url, []byte(msg), at); err != nil {
		t.Fatal(err)
	}
}

type fixture struct {
	mirror *mirror
	reg    *workers.Registry
	feed   *dashboard.Feed
	srv    *httptest.Server
}

func newFixture(t *testing.T, ctx context.Context, maxStreams int) *fixture {
	f := &fixture{mirror: &mirror{}, reg: workers.NewRegistry(workers.RegistryConfig{})}
	f.mirror.st.Store(newState(t, 3, doc("org/a")))
	f.feed = dashboard.NewFeed(dashboard.Config{Mirror: f.mirror, Fleet: f.reg, Context: ctx, MaxStreams: maxStreams})
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/dashboard", f.feed.ServeSnapshot)
	mux.HandleFunc("/v1/dashboard/events", f.feed.ServeEvents)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// overview is the decoded answer.
type overview struct {
	Bundles     []map[string]any `json:"bundles"`
	ConfigEpoch uint64           `json:"config_epoch"`
	GeneratedAt string           `json:"generated_at"`
	Models      []struct {
		AckedWorkers    int              `json:"acked_workers"`
		Bundles         []map[string]any `json:"bundles"`
		ConfigEpoch     uint64           `json:"config_epoch"`
		EligibleWorkers int              `json:"eligible_workers"`
		Form            string           `json:"form"`
		Message         string           `json:"message"`
		ModelID         string           `json:"model_id"`
		Reason          string           `json:"reason"`
		State           string           `json:"state"`
	} `json:"models"`
	Ready   bool             `json:"ready"`
	Workers []map[string]any `json:"workers"`
	raw     map[string]json.RawMessage
}

func decodeOverview(t testing.TB, body []byte) overview {
	t.Helper()
	assertSortedKeys(t, body)
	var o overview
	if err := json.Unmarshal(body, &o); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	if err := json.Unmarshal(body, &o.raw); err != nil {
		t.Fatal(err)
	}
	return o
}

// assertSortedKeys checks that every object's keys are in code-point order,
// as in every gateway answer.
func assertSortedKeys(t testing.TB, body []byte) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object bool
		last   string
		key    bool // the next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if k, isString := tok.(string); isString && top != nil && top.object && top.key {
			if top.last != "" && k <= top.last {
				t.Fatalf("key %q after %q: keys not sorted in %s", k, top.last, body)
			}
			top.last, top.key = k, false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true
		}
	}
}

func TestSnapshotShowsModelsWorkersAndBundles(t *testing.T) {
	f := newFixture(t, context.Background(), 0)
	expected := f.mirror.Snapshot().ExpectedHash("default")
	at := time.Date(2026, 1, 2, 3, 4, 5, 678_000_000, time.UTC)
	report(t, f.reg, "http://w1", "w1", "default", expected, true, at)
	report(t, f.reg, "http://w0", "w0", "default", "feedface", true, at)
	report(t, f.reg, "http://w2", "w2", "sglang", "", false, at)

	resp, err := http.Get(f.srv.URL + "/v1/dashboard")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	o := decodeOverview(t, body)
	if o.ConfigEpoch != 3 || !o.Ready || len(o.Models) != 1 {
		t.Fatalf("%s", body)
	}
	m := o.Models[0]
	if m.ModelID != "org/a" || m.State != gateway.StatePending || m.Reason != gateway.ReasonWorkersUnknownConfig ||
		m.AckedWorkers != 1 || m.EligibleWorkers != 2 || m.ConfigEpoch != 3 || m.Form != "strict" || m.Message == "" {
		t.Fatalf("model: %+v", m)
	}
	if want := `[{"acked_workers":1,"bundle_id":"default","eligible_workers":2}]`; string(o.raw["models"]) == "" ||
		!strings.Contains(string(o.raw["models"]), `"bundles":`+want) {
		t.Fatalf("per-bundle counts: %s", o.raw["models"])
	}
	wantBundles := `[{"bundle_id":"default","expected_bundle_config_hash":"` + expected +
		`","healthy_workers":2,"workers":2},{"bundle_id":"sglang","expected_bundle_config_hash":"","healthy_workers":0,"workers":1}]`
	if string(o.raw["bundles"]) != wantBundles {
		t.Fatalf("bundles:\n got %s\nwant %s", o.raw["bundles"], wantBundles)
	}
	// Workers by name, each measured against its bundle.
	wantWorkers := `[` +
		`{"acked":false,"bundle":"default","config_epoch":null,"connected":true,"detail":"unknown_config","health":"healthy","last_heartbeat":"2026-01-02T03:04:05.678Z","name":"w0","reported_hash":"feedface","url":"http://w0"},` +
		`{"acked":true,"bundle":"default","config_epoch":3,"connected":true,"detail":"","health":"healthy","last_heartbeat":"2026-01-02T03:04:05.678Z","name":"w1","reported_hash":"` + expected + `","url":"http://w1"},` +
		`{"acked":false,"bundle":"sglang","config_epoch":null,"connected":true,"detail":"not_ready","health":"unknown","last_heartbeat":"2026-01-02T03:04:05.678Z","name":"w2","reported_hash":"","url":"http://w2"}]`
	if string(o.raw["workers"]) != wantWorkers {
		t.Fatalf("workers:\n got %s\nwant %s", o.raw["workers"], wantWorkers)
	}
	if _, err := time.Parse(time.RFC3339Nano, o.GeneratedAt); err != nil {
		t.Fatalf("generated_at %q: %v", o.GeneratedAt, err)
	}
	// A dropped connection shows disconnected.
	f.reg.MarkUnhealthy("http://w1", "test")
	o = decodeOverview(t, get(t, f.srv.URL+"/v1/dashboard"))
	if w := o.Workers[1]; w["name"] != "w1" || w["detail"] != "disconnected" || w["health"] != "unhealthy" || w["connected"] != false {
		t.Fatalf("dropped worker: %v", w)
	}
}

func get(t testing.TB, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return body
}

// events reads server-sent events.
type events struct {
	resp *http.Response
	sc   *bufio.Scanner
	got  chan []byte
}

func openEvents(t *testing.T, url string) *events {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	e := &events{resp: resp, sc: bufio.NewScanner(resp.Body), got: make(chan []byte, 16)}
	e.sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	go func() {
		defer close(e.got)
		var name string
		for e.sc.Scan() {
			line := e.sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				if name == "overview" {
					e.got <- []byte(strings.TrimPrefix(line, "data: "))
				}
			}
		}
	}()
	return e
}

// next returns the next frame's data, failing after within.
func (e *events) next(t *testing.T, within time.Duration) ([]byte, time.Duration) {
	t.Helper()
	start := time.Now()
	select {
	case data, ok := <-e.got:
		if !ok {
			t.Fatal("the stream ended")
		}
		return data, time.Since(start)
	case <-time.After(within):
		t.Fatalf("no frame within %s", within)
	}
	return nil, 0
}

func TestEventsFollowChangesAndRefresh(t *testing.T) {
	f := newFixture(t, context.Background(), 0)
	e := openEvents(t, f.srv.URL+"/v1/dashboard/events")
	first, _ := e.next(t, 2*time.Second)
	o := decodeOverview(t, first)
	if o.raw["models"] == nil || o.raw["bundles"] == nil || o.Models[0].State != gateway.StateNoWorkers || len(o.Workers) != 0 {
		t.Fatalf("first frame: %s", first)
	}
	// A worker comes: a frame at once with the model ready.
	report(t, f.reg, "http://w1", "w1", "default", f.mirror.Snapshot().ExpectedHash("default"), true, time.Now())
	data, took := e.next(t, time.Second)
	o = decodeOverview(t, data)
	if o.raw["models"] == nil || o.Models[0].State != gateway.StateReady || len(o.Workers) != 1 {
		t.Fatalf("after a worker: %s", data)
	}
	t.Logf("change to frame: %v", took)
	// A new snapshot (a write): a frame at once.
	f.mirror.st.Store(newState(t, 4, doc("org/a"), doc("org/b")))
	f.mirror.changed.Notify()
	data, _ = e.next(t, time.Second)
	if o = decodeOverview(t, data); o.ConfigEpoch != 4 || len(o.Models) != 2 {
		t.Fatalf("after a write: %s", data)
	}
	// Nothing changes: the refresh carries the workers only.
	data, took = e.next(t, dashboard.RefreshInterval+time.Second)
	if o = decodeOverview(t, data); o.raw["models"] != nil || o.raw["bundles"] != nil || len(o.Workers) != 1 || o.ConfigEpoch != 4 {
		t.Fatalf("refresh: %s", data)
	}
	if took < dashboard.RefreshInterval/2 {
		t.Fatalf("a refresh %v after the last frame, without a change", took)
	}
}

func TestEventsEndAtShutdownAndAreCapped(t *testing.T) {
	ctx, shutdown := context.WithCancel(context.Background())
	f := newFixture(t, ctx, 1)
	e := openEvents(t, f.srv.URL+"/v1/dashboard/events")
	e.next(t, 2*time.Second)
	// One stream is the cap here: the next is refused.
	resp, err := http.Get(f.srv.URL + "/v1/dashboard/events")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || string(body) != `{"message":"Too many dashboard streams"}` {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	shutdown()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-e.got:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the stream outlived the shutdown")
		}
	}
}

func TestEventsReleaseTheirSlot(t *testing.T) {
	f := newFixture(t, context.Background(), 1)
	e := openEvents(t, f.srv.URL+"/v1/dashboard/events")
	e.next(t, 2*time.Second)
	e.resp.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(f.srv.URL + "/v1/dashboard/events")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the slot of a closed stream was not released: %d", resp.StatusCode)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestEventsHeadAnswersAtOnce(t *testing.T) {
	f := newFixture(t, context.Background(), 0)
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Head(f.srv.URL + "/v1/dashboard/events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
}
