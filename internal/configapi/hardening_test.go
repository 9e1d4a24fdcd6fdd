package configapi_test

// The E9 trust and robustness rules on sie-config's HTTP surface: model-id
// bounds and injective store names, the Idempotency-Key limit, store
// messages without paths, the identification headers, strict JSON,
// surrogate pairs, refusals without draining, failed-auth logs and bounded
// metric labels.

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/configapi"
)

func invalidID(msg string) string {
	return `{"detail":{"error":"invalid_model_id","message":"` + msg + `"}}`
}

func TestModelIDBoundsAndInjectiveNames(t *testing.T) {
	e := newEnv(t, options{store: true})
	long := "org/" + strings.Repeat("a", 197) // 201 bytes
	slashes := strings.Repeat("a/", 51) + "z" // 51 separators
	cases := map[string]string{
		long:       "Model ID is longer than 200 bytes.",
		slashes:    "Model ID has more than 50 '/' separators.",
		"coll/_x":  "Model ID has '_' next to '/'.",
		"coll_/x":  "Model ID has '_' next to '/'.",
		"a/b_/c/d": "Model ID has '_' next to '/'.",
	}
	for id, msg := range cases {
		want := invalidID(msg)
		body := "sie_id: " + id + "\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n"
		expect(t, e.post(body), 400, want)
		expect(t, e.put(id, body), 400, want)
		expect(t, e.get("/v1/configs/models/"+id), 400, want)
		expect(t, e.do("DELETE", "/v1/configs/models/"+id, ""), 400, want)
	}
	// A 300-byte id answers 400 (it used to reach the store: 503 naming its path).
	huge := "org/" + strings.Repeat("b", 296)
	expect(t, e.post("sie_id: "+huge+"\nprofiles: {default: {adapter_path: 'sie_server.adapters.bert_flash:B'}}\n"), 400, invalidID("Model ID is longer than 200 bytes."))
	if e.storeHas("epoch") {
		t.Fatal("a refused id reached the store")
	}

	// The longest allowed id (200 bytes, 50 separators) fits the store:
	// its file name is exactly 255 bytes and its temp name is shortened.
	maxID := strings.Repeat("a/", 50) + strings.Repeat("m", 100)
	if len(maxID) != 200 {
		t.Fatalf("len %d", len(maxID))
	}
	r := e.post("sie_id: " + maxID + "\nprofiles: {default: {adapter_path: 'sie_server.adapters.bert_flash:B'}}\n")
	expectStatus(t, r, 201)
	name := strings.ReplaceAll(maxID, "/", "__") + ".yaml"
	if len(name) != 255 || !e.storeHas("models/"+name) {
		t.Fatalf("stored file %d bytes, present %v", len(name), e.storeHas("models/"+name))
	}
	expectStatus(t, e.get("/v1/configs/models/"+maxID), 200)
	expectContains(t, e.do("DELETE", "/v1/configs/models/"+maxID, ""), 200, `"deleted":true`)
}

func TestIdempotencyKeyLimit(t *testing.T) {
	e := newEnv(t, options{})
	want := `{"detail":{"error":"invalid_idempotency_key","message":"Idempotency-Key is longer than 255 bytes."}}`
	expect(t, e.post(newModel, "Idempotency-Key", strings.Repeat("k", 256)), 400, want)
	expect(t, e.put("new/model", newModel, "Idempotency-Key", strings.Repeat("k", 1000)), 400, want)
	if e.svc.Epoch() != 0 {
		t.Fatal("a refused key executed")
	}
	expectStatus(t, e.post(newModel, "Idempotency-Key", strings.Repeat("k", 255)), 201)
}

// Store failures answer 503 with a reason but never a path: those go to the log.
func TestStoreMessagesNameNoPath(t *testing.T) {
	e := newEnv(t, options{store: true, failWrites: func(op, name string) error {
		return &os.PathError{Op: "open", Path: "/secret/base/models/" + name, Err: errors.New("boom")}
	}})
	r := e.post(newModel)
	expectStatus(t, r, 503)
	for _, leak := range []string{e.storeDir, "/secret", "models/", ".yaml"} {
		if strings.Contains(r.body, leak) {
			t.Errorf("the 503 body names %q: %s", leak, r.body)
		}
	}
	if !strings.Contains(r.body, `"error":"store_unavailable"`) || !strings.Contains(e.logs.String(), "/secret/base") {
		t.Fatalf("body %s; the log must keep the detail:\n%s", r.body, e.logs.String())
	}
}

func TestEpochAndExportIdentifyTheirSource(t *testing.T) {
	e := newEnv(t, options{routerID: "sie-config-7", pub: newFakePub()})
	gen := e.svc.Generation()
	if len(gen) != 32 {
		t.Fatalf("generation %q", gen)
	}
	for _, p := range []string{"/v1/configs/epoch", "/v1/configs/export"} {
		r := e.get(p)
		expectStatus(t, r, 200)
		if r.header.Get(configapi.HeaderRouterID) != "sie-config-7" || r.header.Get(configapi.HeaderGeneration) != gen {
			t.Errorf("%s: headers %v", p, r.header)
		}
	}
	if r := newEnv(t, options{}).get("/v1/configs/epoch"); r.header.Get(configapi.HeaderRouterID) != "standalone" {
		t.Errorf("without NATS the router id is standalone: %v", r.header)
	}
}

func TestStrictJSONAndSurrogatePairs(t *testing.T) {
	e := newEnv(t, options{models: seedOnly()})
	expect(t, e.do("POST", "/v1/configs/resolve", `{"model":"test/model","model":"other"}`), 400,
		`{"detail":{"error":"parse_error","message":"Invalid JSON: duplicate key \"model\""}}`)
	expectStatus(t, e.do("POST", "/v1/configs/resolve", `{"model":"test/model","bundle":null}`), 200)
	// Python's json.dumps writes an emoji as a surrogate pair.
	body := `{"sie_id": "emoji/m", "description": "smile \ud83d\ude00", "profiles": {"default": {"adapter_path": "sie_server.adapters.bert_flash:B"}}}`
	expectStatus(t, e.post(body), 201)
	expectContains(t, e.get("/v1/configs/models/emoji/m"), 200, "smile 😀")
	// Duplicate keys in a JSON write body are a 400 like duplicate YAML keys.
	r := e.post(`{"sie_id": "dup/m", "sie_id": "dup/n", "profiles": {}}`)
	expectStatus(t, r, 400)
}

// An unauthenticated request that announces a body and never sends it is
// answered at once and its connection closed, not held until a timeout.
func TestRefusalDoesNotDrainTheBody(t *testing.T) {
	adm := "adm"
	e := newEnv(t, options{auth: configapi.Auth{Admin: &adm}})
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.srv.URL, "http://"))
	must(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST /v1/configs/models HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
	must(t, err)
	must(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	must(t, err)
	if resp.StatusCode != 401 || !resp.Close {
		t.Fatalf("status %d, close %v", resp.StatusCode, resp.Close)
	}
	buf := make([]byte, 1)
	if _, err := resp.Body.Read(buf); err == nil {
		for {
			if _, err := conn.Read(buf); err != nil {
				break
			}
		}
	}
	// The server closes: a read ends (EOF or reset) well before the deadline.
	if _, err := conn.Read(buf); err == nil {
		t.Fatal("the connection stayed open")
	}
	if !strings.Contains(e.logs.String(), "authentication failed") || strings.Contains(e.logs.String(), "Bearer") {
		t.Fatalf("the refusal is not logged (or the log shows a token):\n%s", e.logs.String())
	}
}

func TestFailedAuthLogsAreRateLimited(t *testing.T) {
	adm := "adm"
	e := newEnv(t, options{auth: configapi.Auth{Admin: &adm}})
	for range 200 {
		expectStatus(t, e.get("/v1/configs/models", "Authorization", "Bearer wrong-token-text"), 403)
	}
	logs := e.logs.String()
	if n := strings.Count(logs, "authentication failed"); n == 0 || n > 20 {
		t.Fatalf("%d failed-auth lines for 200 refusals", n)
	}
	if strings.Contains(logs, "wrong-token-text") {
		t.Fatal("the token reached the log")
	}
}

func TestMetricLabelsAreBounded(t *testing.T) {
	e := newEnv(t, options{})
	series := func() int {
		return strings.Count(e.get("/metrics").body, "\nsie_config_http_requests_total{")
	}
	e.get("/nope")
	e.do("BREW", "/v1/configs/epoch", "")
	before := series()
	for i := range 500 {
		e.get(fmt.Sprintf("/unknown/%d/%s", i, strings.Repeat("x", i)))
		e.do(fmt.Sprintf("M%d", i), "/v1/configs/epoch", "")
	}
	if after := series(); after != before {
		t.Fatalf("series %d → %d", before, after)
	}
	if e.metric("sie_config_http_requests_total", map[string]string{"method": "other", "path": "/v1/configs/epoch", "status": "405"}) != 501 {
		t.Fatal("odd methods are not counted as other")
	}
}

// The export is written as a stream (no Content-Length once it is larger
// than one buffer) with the same bytes.
func TestExportIsStreamed(t *testing.T) {
	e := newEnv(t, options{models: seedOnly()})
	expectStatus(t, e.post("description: '"+strings.Repeat("d", 200000)+"'\n"+newModel), 201)
	r := e.get("/v1/configs/export")
	expectStatus(t, r, 200)
	if r.header.Get("Content-Length") != "" {
		t.Fatal("the export is buffered whole")
	}
	for _, part := range []string{`{"snapshot_version":1,"epoch":1,"generated_at":"`, `"models":[{"model_id":"new/model",`, `{"model_id":"test/model",`} {
		if !strings.Contains(r.body, part) {
			t.Fatalf("export lacks %s: %s", part, r.body)
		}
	}
	if !strings.HasSuffix(r.body, `"affected_bundles":["default"]}]}`) {
		t.Fatalf("export tail: %s", r.body[len(r.body)-60:])
	}
}
