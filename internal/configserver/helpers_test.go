package configserver_test

// Helpers for process-level tests: a real sie-config (configserver.Start on
// 127.0.0.1, port 0), a real embedded NATS server, and subscribers.

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sieproject/sie/internal/configserver"
)

const (
	bundleDefaultYAML = "name: default\npriority: 10\nadapters:\n- sie_server.adapters.bert_flash\n"
	bundleSGLangYAML  = "name: sglang\npriority: 20\nadapters:\n- sie_server.adapters.sglang\n"
	seedYAML          = "# comment\nsie_id: test/model\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 8192\n"
	neYAML            = "sie_id: n/e\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 1\n"
	// payloadNE is the example payload of sie-config.md §9.2.
	payloadNE = `{"router_id":"sie-config-0","bundle_id":"default","epoch":1,"bundle_config_hash":"f5a4539f5e25dbb3295089d2bae0d67a4fc49b523f48d3ea12be8594821979a5","model_id":"n/e","profiles_added":["default"],"model_config":"sie_id: n/e\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 1\n","affected_bundles":["default"]}`
)

func check(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// layout is a temporary catalog and store location.
type layout struct {
	bundles, models, store string
}

// newLayout writes bundle and seed files (nil bundles → default only).
func newLayout(t testing.TB, bundles, models map[string]string) layout {
	t.Helper()
	dir := t.TempDir()
	l := layout{filepath.Join(dir, "bundles"), filepath.Join(dir, "models"), filepath.Join(dir, "store")}
	if bundles == nil {
		bundles = map[string]string{"default.yaml": bundleDefaultYAML}
	}
	writeFiles(t, l.bundles, bundles)
	writeFiles(t, l.models, models)
	return l
}

func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	check(t, os.MkdirAll(dir, 0o755))
	for name, content := range files {
		check(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
}

func (l layout) config() configserver.Config {
	return configserver.Config{Host: "127.0.0.1", BundlesDir: l.bundles, ModelsDir: l.models, RouterID: "sie-config-0"}
}

// instance is a running sie-config with its log output.
type instance struct {
	*configserver.Server
	logs *lockedBuffer
	t    testing.TB
	down bool
}

// boot starts sie-config; it is shut down at the end of the test unless
// the test stops it first.
func boot(t testing.TB, cfg configserver.Config) *instance {
	t.Helper()
	logs := &lockedBuffer{}
	cfg.Host, cfg.Port, cfg.LogOutput = "127.0.0.1", 0, logs
	srv, err := configserver.Start(context.Background(), cfg)
	check(t, err)
	in := &instance{Server: srv, logs: logs, t: t}
	t.Cleanup(func() { in.stop() })
	return in
}

// startRaw is configserver.Start for tests that expect it to fail.
func startRaw(cfg configserver.Config) (*configserver.Server, error) {
	return configserver.Start(context.Background(), cfg)
}

func (in *instance) stop() {
	if in.down {
		return
	}
	in.down = true
	check(in.t, in.Shutdown(context.Background()))
}

type reply struct {
	status int
	header http.Header
	body   string
}

var client = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func (in *instance) do(method, path, body string, hdr ...string) reply {
	in.t.Helper()
	req, err := http.NewRequest(method, in.URL()+path, strings.NewReader(body))
	check(in.t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := client.Do(req)
	check(in.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	check(in.t, err)
	return reply{resp.StatusCode, resp.Header, string(data)}
}

func (in *instance) get(path string) reply       { return in.do("GET", path, "") }
func (in *instance) postModel(body string) reply { return in.do("POST", "/v1/configs/models", body) }

func want(t testing.TB, r reply, status int, body string) {
	t.Helper()
	if r.status != status || (body != "" && r.body != body) {
		t.Fatalf("got %d %s\nwant %d %s", r.status, r.body, status, body)
	}
}

func wantContains(t testing.TB, r reply, status int, parts ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("got %d %s, want %d", r.status, r.body, status)
	}
	for _, p := range parts {
		if !strings.Contains(r.body, p) {
			t.Fatalf("body %s lacks %q", r.body, p)
		}
	}
}

// metric returns the sample `name{labels}` of a /metrics scrape and
// whether it exists (labels sorted by name, as client_golang writes them).
func (in *instance) metric(name string, labels ...string) (float64, bool) {
	in.t.Helper()
	return sampleOf(in.t, in.get("/metrics").body, name, labels...)
}

func sampleOf(t testing.TB, text, name string, labels ...string) (float64, bool) {
	t.Helper()
	var pairs []string
	for i := 0; i+1 < len(labels); i += 2 {
		pairs = append(pairs, labels[i]+`="`+labels[i+1]+`"`)
	}
	sort.Strings(pairs)
	prefix := name
	if len(pairs) > 0 {
		prefix += "{" + strings.Join(pairs, ",") + "}"
	}
	prefix += " "
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, prefix) {
			v, err := strconv.ParseFloat(strings.TrimPrefix(line, prefix), 64)
			check(t, err)
			return v, true
		}
	}
	return 0, false
}

// msg is one delivered NATS message.
type msg struct {
	subject string
	data    string
}

// subscriber collects the messages of one subscription in arrival order.
type subscriber struct {
	t  testing.TB
	nc *nats.Conn
	ch chan msg
}

func subscribe(t testing.TB, url, subject string) *subscriber {
	t.Helper()
	nc, err := nats.Connect(url)
	check(t, err)
	t.Cleanup(nc.Close)
	s := &subscriber{t: t, nc: nc, ch: make(chan msg, 10000)}
	_, err = nc.Subscribe(subject, func(m *nats.Msg) { s.ch <- msg{m.Subject, string(m.Data)} })
	check(t, err)
	check(t, nc.Flush()) // the subscription is registered before anyone publishes
	return s
}

// next waits for the next message.
func (s *subscriber) next() msg {
	s.t.Helper()
	select {
	case m := <-s.ch:
		return m
	case <-time.After(10 * time.Second):
		s.t.Fatal("no NATS message within 10 s")
		return msg{}
	}
}

// lockedBuffer is a goroutine-safe log sink.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func fileText(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return ""
	}
	check(t, err)
	return string(data)
}
