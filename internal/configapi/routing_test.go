package configapi_test

// Routing conventions (sie-config.md §3.1) and the model-id rule (§4) on
// every endpoint that applies it.

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/testkit"
)

func TestRoutingNotFound(t *testing.T) {
	e := newEnv(t, options{models: seedOnly()})
	for _, p := range []string{"/", "/nope", "/v1/configs", "/v1/configs/bundles/a/b", "/v1/configs/modelsx", "/healthz/x"} {
		expect(t, e.get(p), 404, `{"detail":"Not Found"}`)
	}
}

func TestRoutingMethodNotAllowed(t *testing.T) {
	e := newEnv(t, options{models: seedOnly()})
	cases := []struct{ method, path, allow string }{
		{"DELETE", "/v1/configs/models", "GET, POST"},
		{"PUT", "/v1/configs/models", "GET, POST"},
		{"POST", "/v1/configs/models/test/model", "GET, PUT, DELETE"},
		{"PATCH", "/v1/configs/models/test/model", "GET, PUT, DELETE"},
		// An empty id still matches the {model_id:path} route.
		{"POST", "/v1/configs/models/", "GET, PUT, DELETE"},
		{"GET", "/v1/configs/resolve", "POST"},
		{"POST", "/v1/configs/epoch", "GET"},
		{"POST", "/v1/configs/export", "GET"},
		{"POST", "/v1/configs/bundles", "GET"},
		{"DELETE", "/v1/configs/bundles/default", "GET"},
		{"POST", "/healthz", "GET"},
		{"POST", "/readyz", "GET"},
	}
	for _, c := range cases {
		r := e.do(c.method, c.path, "")
		expect(t, r, 405, `{"detail":"Method Not Allowed"}`)
		if got := r.header.Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
	}
}

func TestRoutingTrailingSlash(t *testing.T) {
	e := newEnv(t, options{models: seedOnly()})
	for _, c := range []struct{ path, location string }{
		{"/v1/configs/bundles/", "/v1/configs/bundles"},
		{"/v1/configs/epoch/", "/v1/configs/epoch"},
		{"/v1/configs/export/", "/v1/configs/export"},
		{"/healthz/", "/healthz"},
		{"/v1/configs/epoch/?a=1", "/v1/configs/epoch?a=1"},
	} {
		r := e.get(c.path)
		expectStatus(t, r, 307)
		// Relative: never built from the client's Host header.
		if got := r.header.Get("Location"); got != c.location {
			t.Errorf("%s: Location %q, want %q", c.path, got, c.location)
		}
	}
	r := e.do("GET", "/healthz/", "", "Host", "evil.example")
	if got := r.header.Get("Location"); got != "/healthz" {
		t.Errorf("Location %q follows the Host header", got)
	}
	// The exception: GET /v1/configs/models/ has an empty id.
	expect(t, e.get("/v1/configs/models/"), 400, `{"detail":{"error":"invalid_model_id","message":"Model ID contains invalid characters."}}`)
	// A 307 matched no route: it is counted as unmatched, like a 404.
	if e.metric("sie_config_http_requests_total", map[string]string{"method": "GET", "path": "unmatched", "status": "307"}) != 6 {
		t.Fatal("307s not counted as unmatched")
	}
}

func TestRoutingDecodingAndQuery(t *testing.T) {
	e := newEnv(t, options{models: seedOnly()})
	expect(t, e.get("/v1/configs/models/test%2Fmodel"), 200, seedTestModel)
	expect(t, e.get("/v1/configs/models/test/model?x=1&y"), 200, seedTestModel)
	expectStatus(t, e.get("/v1/configs/models?limit=1"), 200)
	expectStatus(t, e.get("/v1/configs/bundles/def%61ult"), 200)
	// A percent-encoded slash does not make a bundle id two segments long
	// once decoded: it is decoded first, so the route does not match.
	expect(t, e.get("/v1/configs/bundles/a%2Fb"), 404, `{"detail":"Not Found"}`)
	// Request Content-Type is never inspected: JSON is YAML.
	r := e.do("POST", "/v1/configs/models", `{"sie_id":"json/m","profiles":{"default":{"adapter_path":"sie_server.adapters.bert_flash:B"}}}`, "Content-Type", "text/plain")
	expectStatus(t, r, 201)
	// The gateway's status path falls under the model-id rule.
	expect(t, e.get("/v1/configs/models/test/model/status"), 400, `{"detail":{"error":"invalid_model_id","message":"Model ID must not end with '/status' (reserved for the gateway status endpoint)."}}`)
}

type modelIDVector struct {
	ID      string  `json:"id"`
	Valid   bool    `json:"valid"`
	Message *string `json:"message"`
}

// modelIDAmendments are the vector cases a later rule overrides: "_" next
// to "/" would let two ids share one store file (a/_b and a_/b).
var modelIDAmendments = map[string]string{
	"org/_x": catalog.MsgIDUnderSlash,
}

// TestModelIDVectors runs every case of vectors/model_id.json through the
// POST sie_id and through the GET, PUT and DELETE path id.
func TestModelIDVectors(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testkit.SharedDir(t, "spec/vectors"), "model_id.json"))
	must(t, err)
	var file struct{ Cases []modelIDVector }
	must(t, json.Unmarshal(raw, &file))
	if len(file.Cases) != 32 {
		t.Fatalf("%d cases, want 32", len(file.Cases))
	}
	e := newEnv(t, options{})
	for _, c := range file.Cases {
		if msg, ok := modelIDAmendments[c.ID]; ok {
			c.Valid, c.Message = false, &msg
		}
		idJSON, _ := json.Marshal(c.ID)
		body := `{"sie_id":` + string(idJSON) + `,"profiles":{"default":{"adapter_path":"sie_server.adapters.bert_flash:B"}}}`
		path := "/v1/configs/models/" + escapeSegments(c.ID)
		if !c.Valid {
			want := `{"detail":{"error":"invalid_model_id","message":"` + *c.Message + `"}}`
			if c.ID != "" { // "" is a missing sie_id in a body (422), checked elsewhere
				expect(t, e.post(body), 400, want)
			}
			expect(t, e.get(path), 400, want)
			expect(t, e.do("DELETE", path, ""), 400, want)
			expect(t, e.do("PUT", path, body), 400, want)
			// A fully escaped path (%2F) is the same id.
			expect(t, e.get("/v1/configs/models/"+url.PathEscape(c.ID)), 400, want)
			continue
		}
		expectStatus(t, e.get(path), 404)
		expectStatus(t, e.post(body), 201)
		expectStatus(t, e.get(path), 200)
		expectStatus(t, e.get("/v1/configs/models/"+url.PathEscape(c.ID)), 200)
		expectContains(t, e.do("PUT", path, body), 200, `"unchanged":true`)
		expectContains(t, e.do("DELETE", path, ""), 200, `"deleted":true`)
	}
	expect(t, e.post(`{"sie_id":"","profiles":{}}`), 422, errNoSieID)
}

// escapeSegments percent-encodes each path segment, keeping the slashes.
func escapeSegments(id string) string {
	parts := strings.Split(id, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}
