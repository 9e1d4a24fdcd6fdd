package gatewayapi

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/workers"
)

func TestModelIDBoundsOnReads(t *testing.T) {
	long := "org/" + strings.Repeat("a", 197)
	e := newEnv(t, state(t, 1, modelDoc("a/m", bertFlash)), Auth{})
	want := `{"detail":{"error":"invalid_model_id","message":"Model ID is longer than 200 bytes."}}`
	expect(t, e.get("/v1/configs/models/"+long), 400, want)
	expect(t, e.get("/v1/configs/models/"+long+"/status"), 400, want)
	expect(t, e.get("/v1/configs/models/"+strings.Repeat("a/", 51)+"z"), 400,
		`{"detail":{"error":"invalid_model_id","message":"Model ID has more than 50 '/' separators."}}`)
	// Within the bounds nothing changes: unknown ids are still 404.
	expect(t, e.get("/v1/configs/models/org/"+strings.Repeat("a", 196)), 404, `{"message":"Model 'org/`+strings.Repeat("a", 196)+`' not found"}`)
	if r := e.get("/v1/configs/models/a/m/status"); r.status != 200 {
		t.Fatalf("status view: %d", r.status)
	}
}

func TestResolveDuplicateKeys(t *testing.T) {
	e := newEnv(t, state(t, 1, modelDoc("a/m", bertFlash)), Auth{})
	r := e.resolve(`{"model":"a/m","model":"other"}`)
	if r.status != 400 || !strings.Contains(r.body, `duplicate key`) {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if r := e.resolve(`{"model":"a/m","bundle":null}`); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

// A refused request is answered at once and its connection closed, even
// when it announced a body it never sends; the refusal is logged without
// the token, and rate-limited.
func TestRefusalsAreNotDrainedAndAreLogged(t *testing.T) {
	var logs testkit.Logs
	st := state(t, 1)
	srv := httptest.NewServer(New(Config{Mirror: &fakeMirror{st: st, ready: true}, Workers: workers.NewRegistry(workers.RegistryConfig{}),
		Auth: Auth{Enabled: true, UserTokens: []string{"user"}}, Log: logs.Logger()}))
	defer srv.Close()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "POST /v1/configs/resolve HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 401 || !resp.Close {
		t.Fatalf("%d close=%v", resp.StatusCode, resp.Close)
	}
	for range 100 {
		req, _ := http.NewRequest("GET", srv.URL+"/v1/configs/models", nil)
		req.Header.Set("Authorization", "Bearer secret-looking-wrong-token")
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
	}
	out := logs.String()
	if n := strings.Count(out, "authentication failed"); n == 0 || n > 20 {
		t.Fatalf("%d failed-auth lines for 101 refusals", n)
	}
	if strings.Contains(out, "secret-looking-wrong-token") {
		t.Fatal("the token reached the log")
	}
}

func TestClusterStatusOriginAndCap(t *testing.T) {
	st := state(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := httptest.NewServer(New(Config{Mirror: &fakeMirror{st: st, ready: true}, Workers: workers.NewRegistry(workers.RegistryConfig{}),
		Context: ctx, WSOrigins: []string{"dash.example.com"}, WSMaxClients: 2}))
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws/cluster-status"
	dial := func(origin string) (*websocket.Conn, *http.Response, error) {
		dctx, dcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer dcancel()
		h := http.Header{}
		if origin != "" {
			h.Set("Origin", origin)
		}
		return websocket.Dial(dctx, url, &websocket.DialOptions{HTTPHeader: h})
	}
	// A foreign page cannot open it; the gateway's own origin, a configured
	// one, and a non-browser client (no Origin) can.
	if _, resp, err := dial("https://evil.example"); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign origin: %v %v", resp, err)
	}
	c1, _, err := dial("http://dash.example.com")
	if err != nil {
		t.Fatal(err)
	}
	defer c1.CloseNow()
	c2, _, err := dial("")
	if err != nil {
		t.Fatal(err)
	}
	// The cap: a third client is refused while two stream.
	if _, resp, err := dial(""); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("over the cap: %v %v", resp, err)
	}
	c2.Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(5 * time.Second)
	for {
		c3, _, err := dial(srv.URL) // the gateway's own origin
		if err == nil {
			c3.CloseNow()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the slot is not released: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
