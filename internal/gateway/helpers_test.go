package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/configdelta"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/yamldoc"
)

func mustParse(t testing.TB, text string) *doc.Map {
	t.Helper()
	m, err := yamldoc.Parse([]byte(text))
	if err != nil {
		t.Fatalf("parse %q: %v", text, err)
	}
	return m
}

const bertFlash = "sie_server.adapters.bert_flash"

func bundle(name string, prio int64, adapters ...string) *catalog.Bundle {
	return &catalog.Bundle{Name: name, Priority: prio, Adapters: adapters}
}

// modelYAML is a strict-schema document with one profile per adapter module.
func modelYAML(id string, profiles ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "sie_id: %s\nhf_id: %s\ntasks: {encode: {dense: {dim: 8}}}\nprofiles:\n", id, id)
	for i, p := range profiles {
		name, module, _ := strings.Cut(p, "=")
		if module == "" {
			module = bertFlash
		}
		fmt.Fprintf(&b, "  %s:\n    adapter_path: %s:Adapter\n    max_batch_tokens: %d\n", name, module, 1000+i)
	}
	return b.String()
}

// payload builds a NATS delta the way sie-config writes it; "deleted=true"
// marks a removal.
func payload(router string, epoch uint64, modelID, modelConfig string, extra ...string) []byte {
	p := configdelta.Payload{RouterID: router, BundleID: "default", Epoch: epoch, BundleConfigHash: "x",
		ModelID: modelID, ModelConfig: modelConfig, AffectedBundles: []string{"default"},
		Deleted: slices.Contains(extra, "deleted=true")}
	return p.Encode()
}

// seedState is a mirror state with bundle default and the given documents.
func seedState(t testing.TB, epoch uint64, docs ...string) *State {
	t.Helper()
	var in []Document
	for _, d := range docs {
		in = append(in, Document{Doc: mustParse(t, d)})
	}
	st, errs := NewState([]*catalog.Bundle{bundle("default", 10, bertFlash)}, in, epoch, "")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return st
}

func newTestMirror(t testing.TB, cfg Config) (*Mirror, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	cfg.Metrics = NewMetrics(reg)
	if cfg.Log == nil {
		cfg.Log = testkit.Discard()
	}
	return New(cfg), reg
}

// value reads a counter or gauge.
func value(c prometheus.Metric) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}

func deltaCount(m *Mirror, kind, result string) float64 {
	return value(m.metrics.Deltas.WithLabelValues(kind, result))
}

func resyncCount(m *Mirror, trigger, result string) float64 {
	return value(m.metrics.Resyncs.WithLabelValues(trigger, result))
}

// fakeConfig is a scriptable sie-config serving the sync endpoints.
type fakeConfig struct {
	t  testing.TB
	mu sync.Mutex
	// epochBody, bundles (id → YAML), export are what is served; status
	// overrides (path → code) make an endpoint fail.
	epochBody  string
	bundleList []string
	bundles    map[string]string
	export     string
	status     map[string]int
	wantToken  string
	hits       map[string]*atomic.Int64
	// block, when set, holds the export request until it is closed.
	block chan struct{}
	// generation and routerID are sent as X-SIE-Config-Generation and
	// X-SIE-Router-Id on /epoch and /export when set.
	generation, routerID string
	srv                  *httptest.Server
}

func newFakeConfig(t testing.TB) *fakeConfig {
	f := &fakeConfig{t: t, bundles: map[string]string{}, status: map[string]int{}, hits: map[string]*atomic.Int64{},
		epochBody: `{"epoch":0,"bundles_hash":""}`, export: `{"snapshot_version":1,"epoch":0,"models":[]}`}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeConfig) hit(path string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.hits[path]; c != nil {
		return c.Load()
	}
	return 0
}

func (f *fakeConfig) set(fn func(f *fakeConfig)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeConfig) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	if f.hits[r.URL.Path] == nil {
		f.hits[r.URL.Path] = &atomic.Int64{}
	}
	f.hits[r.URL.Path].Add(1)
	if f.wantToken != "" && r.Header.Get("Authorization") != "Bearer "+f.wantToken {
		f.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"detail":{"error":"invalid_admin_token"}}`)
		return
	}
	if code := f.status[r.URL.Path]; code != 0 {
		f.mu.Unlock()
		w.WriteHeader(code)
		_, _ = io.WriteString(w, "scripted failure")
		return
	}
	block := f.block
	var body string
	switch {
	case r.URL.Path == "/v1/configs/epoch":
		body = f.epochBody
	case r.URL.Path == "/v1/configs/bundles":
		var list []string
		for _, id := range f.bundleList {
			list = append(list, fmt.Sprintf(`{"bundle_id":%q,"priority":1,"adapter_count":1,"source":"filesystem"}`, id))
		}
		body = `{"bundles":[` + strings.Join(list, ",") + `]}`
	case strings.HasPrefix(r.URL.Path, "/v1/configs/bundles/"):
		y, ok := f.bundles[strings.TrimPrefix(r.URL.Path, "/v1/configs/bundles/")]
		if !ok {
			f.mu.Unlock()
			w.WriteHeader(http.StatusNotFound)
			return
		}
		body = y
	case r.URL.Path == "/v1/configs/export":
		body = f.export
	default:
		f.mu.Unlock()
		w.WriteHeader(http.StatusNotFound)
		return
	}
	f.mu.Unlock()
	if block != nil && r.URL.Path == "/v1/configs/export" {
		<-block
	}
	if r.URL.Path == "/v1/configs/epoch" || r.URL.Path == "/v1/configs/export" {
		f.mu.Lock()
		if f.generation != "" {
			w.Header().Set(headerGeneration, f.generation)
		}
		if f.routerID != "" {
			w.Header().Set(headerRouterID, f.routerID)
		}
		f.mu.Unlock()
	}
	_, _ = io.WriteString(w, body)
}

// exportJSON writes an export whose entries carry raw_yaml only.
func exportJSON(epoch uint64, docs ...string) string {
	var entries []string
	for _, d := range docs {
		id := ""
		for _, line := range strings.Split(d, "\n") {
			if v, ok := strings.CutPrefix(line, "sie_id: "); ok {
				id = v
			}
		}
		raw, _ := json.Marshal(d)
		entries = append(entries, fmt.Sprintf(`{"model_id":%q,"model_config":{},"raw_yaml":%s,"affected_bundles":[]}`, id, raw))
	}
	return fmt.Sprintf(`{"snapshot_version":1,"epoch":%d,"generated_at":"x","models":[%s]}`, epoch, strings.Join(entries, ","))
}

// withDefaultBundle scripts one bundle "default" holding bert_flash.
func (f *fakeConfig) withDefaultBundle() *fakeConfig {
	f.set(func(f *fakeConfig) {
		f.bundleList = []string{"default"}
		f.bundles["default"] = "adapters:\n- " + bertFlash + "\nname: default\npriority: 10\nsource: filesystem\n"
	})
	return f
}

func startMirror(t testing.TB, cfg Config) (*Mirror, *prometheus.Registry) {
	t.Helper()
	m, reg := newTestMirror(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	m.Start(ctx)
	t.Cleanup(func() { cancel(); m.Wait() })
	return m, reg
}
