package gatewayapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/gateway"
	"github.com/sieproject/sie/internal/workers"
	"github.com/sieproject/sie/internal/yamldoc"
)

type fakeMirror struct {
	st    *gateway.State
	ready bool
}

func (f *fakeMirror) Snapshot() *gateway.State { return f.st }
func (f *fakeMirror) Ready() bool              { return f.ready }
func (f *fakeMirror) Changed() <-chan struct{} { return nil } // never changes by itself

const bertFlash = "sie_server.adapters.bert_flash"

func modelDoc(id string, modules ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "sie_id: %s\nhf_id: %s\ntasks: {encode: {dense: {dim: 8}}}\nprofiles:\n", id, id)
	for i, m := range modules {
		name := "default"
		if i > 0 {
			name = fmt.Sprintf("p%d", i)
		}
		fmt.Fprintf(&b, "  %s:\n    adapter_path: %s:A\n    max_batch_tokens: 16\n", name, m)
	}
	return b.String()
}

// state builds a mirror state: bundles default (p10, bert_flash) and
// sglang (p20, sglang) plus the documents.
func state(t testing.TB, epoch uint64, docs ...string) *gateway.State {
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
		{Name: "default", Priority: 10, Adapters: []string{bertFlash, "sie_server.adapters.x"}},
		{Name: "sglang", Priority: 20, Adapters: []string{"sie_server.adapters.sglang"}},
	}, in, epoch, "")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return st
}

type env struct {
	t      testing.TB
	mirror *fakeMirror
	reg    *workers.Registry
	srv    *httptest.Server
}

func newEnv(t testing.TB, st *gateway.State, auth Auth) *env {
	e := &env{t: t, mirror: &fakeMirror{st: st, ready: true}, reg: workers.NewRegistry(workers.RegistryConfig{})}
	e.srv = httptest.NewServer(New(Config{Mirror: e.mirror, Workers: e.reg, Auth: auth}))
	t.Cleanup(e.srv.Close)
	return e
}

// worker reports a status message for url.
func (e *env) worker(url, name, bundle, hash string, ready bool, loaded ...string) {
	e.t.Helper()
	lm, _ := json.Marshal(loaded)
	if loaded == nil {
		lm = []byte("[]")
	}
	msg := fmt.Sprintf(`{"ready":%t,"name":%q,"bundle":%q,"bundle_config_hash":%q,"machine_profile":"l4","gpu_count":1,"loaded_models":%s,"queue_depth":1}`,
		ready, name, bundle, hash, lm)
	if err := e.reg.HandleMessage(url, []byte(msg), time.Now()); err != nil {
		e.t.Fatal(err)
	}
}

type resp struct {
	status int
	header http.Header
	body   string
}

func (e *env) do(method, path, token, contentType, body string) resp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return resp{r.StatusCode, r.Header, string(b)}
}

func (e *env) get(path string) resp { return e.do(http.MethodGet, path, "", "", "") }

func (e *env) resolve(body string) resp {
	return e.do(http.MethodPost, "/v1/configs/resolve", "", "application/json", body)
}

// expect checks the status and the exact body.
func expect(t testing.TB, r resp, status int, body string) {
	t.Helper()
	if r.status != status || r.body != body {
		t.Fatalf("got %d %s\nwant %d %s", r.status, r.body, status, body)
	}
}

// sortedJSON asserts the body is compact JSON with keys sorted at every
// level, by re-encoding it canonically.
func sortedJSON(t testing.TB, body string) map[string]any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	if got := string(canonjson.AppendCanonical(nil, normalize(v), canonjson.ORJSON)); got != body {
		t.Fatalf("not canonical:\n got %s\nwant %s", body, got)
	}
	m, _ := v.(map[string]any)
	return m
}

// normalize turns decoded JSON into canonjson-encodable values.
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range t {
			out[k] = normalize(x)
		}
		return out
	case []any:
		out := make([]map[string]any, 0, len(t))
		var plain []any
		for _, x := range t {
			if m, ok := normalize(x).(map[string]any); ok {
				out = append(out, m)
			} else {
				plain = append(plain, normalize(x))
			}
		}
		if plain != nil {
			return plain
		}
		if len(out) == 0 {
			return []any{}
		}
		return out
	case float64:
		if t == float64(int64(t)) {
			return int64(t)
		}
		return t
	}
	return v
}
