package configapi_test

// The harness builds sie-config from its parts (catalog → controlplane →
// configapi) behind a real loopback HTTP server, so tests can inject a
// failing store or a fake NATS publisher. Process-level behaviour (env,
// restart, real NATS) is tested in internal/configserver.

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/configapi"
	"github.com/sieproject/sie/internal/controlplane"
	"github.com/sieproject/sie/internal/store/local"
	"github.com/sieproject/sie/internal/testkit"
)

// Bundle files used by most tests (upstream fixtures).
const (
	bundleDefault = "name: default\npriority: 10\nadapters:\n- sie_server.adapters.bert_flash\n"
	bundleSGLang  = "name: sglang\npriority: 20\nadapters:\n- sie_server.adapters.sglang\n"
	// seedTestModel is upstream's `test/model` seed, comment included: a
	// seed's effective text is its raw file text.
	seedTestModel = "# comment\nsie_id: test/model\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 8192\n"
	// newModel is the worked example's first POST body (sie-config.md §3.6).
	newModel = "sie_id: new/model\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 1\n"
)

// options describe one sie-config instance.
type options struct {
	bundles    map[string]string // file name → content; nil → default bundle only
	models     map[string]string // seed file name → content
	store      bool
	failWrites func(op, name string) error
	pub        controlplane.Publisher
	routerID   string
	auth       configapi.Auth
	noRegistry bool // the registry failed to load
	restore    bool
	storeFiles map[string]string // files written under {store}/models before startup
	// requireServable is SIE_CONFIG_REQUIRE_SERVABLE.
	requireServable bool
}

// env is a running instance.
type env struct {
	t        testing.TB
	dir      string
	storeDir string
	svc      *controlplane.Service
	api      *configapi.Server
	srv      *httptest.Server
	logs     *testkit.Logs
	audit    *testkit.Logs // JSON lines of the sie.audit logger
}

func withSGLang() map[string]string {
	return map[string]string{"default.yaml": bundleDefault, "sglang.yaml": bundleSGLang}
}

func seedOnly() map[string]string { return map[string]string{"test__model.yaml": seedTestModel} }

func newEnv(t testing.TB, o options) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{t: t, dir: dir, logs: &testkit.Logs{}, audit: &testkit.Logs{}}
	log := e.logs.LoggerAt(slog.LevelDebug)
	bundles := o.bundles
	if bundles == nil {
		bundles = map[string]string{"default.yaml": bundleDefault}
	}
	bdir := writeDir(t, filepath.Join(dir, "bundles"), bundles)
	mdir := writeDir(t, filepath.Join(dir, "models"), o.models)

	var snap *catalog.Snapshot
	if !o.noRegistry {
		bs, err := catalog.LoadBundles(bdir, log)
		must(t, err)
		seeds, err := catalog.LoadSeeds(mdir, log)
		must(t, err)
		snap = catalog.NewSnapshot(bs, seeds, log)
	}
	reg := prometheus.NewRegistry()
	metrics := controlplane.NewMetrics(reg)
	cfg := controlplane.Config{Snapshot: snap, Pub: o.pub, RouterID: o.routerID, Metrics: metrics, Log: log,
		RequireServable: o.requireServable}
	if o.store {
		e.storeDir = filepath.Join(dir, "store")
		writeDir(t, filepath.Join(e.storeDir, "models"), o.storeFiles)
		st, err := local.Open(e.storeDir, local.Options{Logger: log, FailWrites: o.failWrites})
		must(t, err)
		epoch, err := st.ReadEpoch(context.Background())
		must(t, err)
		cfg.Store, cfg.Epoch = st, epoch
		if o.restore && snap != nil {
			restored, _, err := controlplane.Restore(context.Background(), snap, st, log)
			must(t, err)
			cfg.Snapshot = restored
		}
	}
	e.svc = controlplane.New(cfg)
	t.Cleanup(e.svc.Close)
	e.api = configapi.New(configapi.Config{
		Service: e.svc, Auth: o.auth, Registry: reg, Log: log,
		Audit: slog.New(slog.NewJSONHandler(e.audit, nil)).With("logger", "sie.audit"),
	})
	e.srv = httptest.NewServer(e.api)
	t.Cleanup(e.srv.Close)
	return e
}

func writeDir(t testing.TB, dir string, files map[string]string) string {
	t.Helper()
	must(t, os.MkdirAll(dir, 0o755))
	for name, content := range files {
		must(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	return dir
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// response is a fully read HTTP response.
type response struct {
	status int
	header http.Header
	body   string
}

// noRedirect lets tests see 307s.
var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       30 * time.Second,
}

// do sends a request; hdr is alternating header names and values.
func (e *env) do(method, path, body string, hdr ...string) response {
	e.t.Helper()
	return doURL(e.t, method, e.srv.URL+path, body, hdr...)
}

func doURL(t testing.TB, method, url, body string, hdr ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	must(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1] // the client sends req.Host, not a Host header
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := noRedirect.Do(req)
	must(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	must(t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: string(data)}
}

func (e *env) get(path string, hdr ...string) response { return e.do("GET", path, "", hdr...) }
func (e *env) post(body string, hdr ...string) response {
	return e.do("POST", "/v1/configs/models", body, hdr...)
}
func (e *env) put(id, body string, hdr ...string) response {
	return e.do("PUT", "/v1/configs/models/"+id, body, hdr...)
}
func (e *env) del(id string, hdr ...string) response {
	return e.do("DELETE", "/v1/configs/models/"+id, "", hdr...)
}

// expect checks status and exact body bytes; JSON bodies must also carry
// Content-Type application/json.
func expect(t testing.TB, r response, status int, body string) {
	t.Helper()
	if r.status != status || r.body != body {
		t.Fatalf("got %d %s\nwant %d %s", r.status, r.body, status, body)
	}
	if strings.HasPrefix(body, "{") {
		expectCT(t, r, "application/json")
	}
}

func expectStatus(t testing.TB, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("got %d %s, want %d", r.status, r.body, status)
	}
}

func expectCT(t testing.TB, r response, ct string) {
	t.Helper()
	if got := r.header.Get("Content-Type"); got != ct {
		t.Fatalf("Content-Type %q, want %q", got, ct)
	}
}

func expectContains(t testing.TB, r response, status int, parts ...string) {
	t.Helper()
	expectStatus(t, r, status)
	for _, p := range parts {
		if !strings.Contains(r.body, p) {
			t.Fatalf("body %s lacks %q", r.body, p)
		}
	}
}

// storeFile reads a file of the store; "" when it does not exist.
func (e *env) storeFile(rel string) string {
	e.t.Helper()
	data, err := os.ReadFile(filepath.Join(e.storeDir, rel))
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	must(e.t, err)
	return string(data)
}

func (e *env) storeHas(rel string) bool {
	_, err := os.Stat(filepath.Join(e.storeDir, rel))
	return err == nil
}

// epoch is the service's epoch, which must agree with the gauge (the
// /epoch endpoint may need a token, so tests that can read it check it).
func (e *env) epoch() int64 {
	e.t.Helper()
	n := e.svc.Epoch()
	if g := e.metric("sie_config_epoch", nil); g != float64(n) {
		e.t.Fatalf("sie_config_epoch gauge %v, epoch %d", g, n)
	}
	return n
}

// epochBody is the exact /epoch answer for this epoch and bundles hash.
func epochBody(epoch int64, hash string) string {
	return `{"epoch":` + strconv.FormatInt(epoch, 10) + `,"bundles_hash":"` + hash + `"}`
}

// metric scrapes /metrics and returns the sample with exactly these labels
// (0 when absent).
func (e *env) metric(name string, labels map[string]string) float64 {
	e.t.Helper()
	v, _ := sample(e.t, e.get("/metrics").body, name, labels)
	return v
}

// sample finds `name{labels} value` in Prometheus text (labels sorted by
// name, as client_golang writes them).
func sample(t testing.TB, text, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(name)
	if len(keys) > 0 {
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(k + `="` + labels[k] + `"`)
		}
		b.WriteByte('}')
	}
	prefix := b.String() + " "
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, prefix) {
			v, err := strconv.ParseFloat(strings.TrimPrefix(line, prefix), 64)
			must(t, err)
			return v, true
		}
	}
	return 0, false
}

// message is one publish seen by fakePub.
type message struct {
	subject string
	data    string
}

// fakePub is a controlplane.Publisher whose connection state, max_payload
// and per-publish failures tests control.
type fakePub struct {
	connected  atomic.Bool
	maxPayload int64
	// fail, when set, decides the outcome of each publish attempt.
	fail func(subject string) error
	// onPublish, when set, runs before each attempt (e.g. to disconnect).
	onPublish func(p *fakePub)

	mu       sync.Mutex
	attempts int
	msgs     []message
}

func newFakePub() *fakePub {
	p := &fakePub{maxPayload: 1 << 20}
	p.connected.Store(true)
	return p
}

func (p *fakePub) Connected() bool   { return p.connected.Load() }
func (p *fakePub) MaxPayload() int64 { return p.maxPayload }

func (p *fakePub) PublishMsg(subject string, _ map[string]string, data []byte) error {
	if p.onPublish != nil {
		p.onPublish(p)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.attempts++
	if !p.connected.Load() {
		return errors.New("nats: not connected")
	}
	if p.fail != nil {
		if err := p.fail(subject); err != nil {
			return err
		}
	}
	p.msgs = append(p.msgs, message{subject, string(data)})
	return nil
}

func (p *fakePub) messages() []message {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]message(nil), p.msgs...)
}

func (p *fakePub) attemptCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.attempts
}

// errTest is an injected failure.
var errTest = errors.New("injected failure")
