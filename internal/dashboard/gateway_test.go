package dashboard_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/gatewayserver"
	"github.com/sieproject/sie/internal/samplecatalog"
)

// seedGateway runs a real gateway on the sample catalog, without
// sie-config or NATS.
func seedGateway(t *testing.T, env map[string]string, tweak func(*gatewayserver.Config)) *gatewayserver.Server {
	t.Helper()
	dir := t.TempDir()
	if err := samplecatalog.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	cfg, err := gatewayserver.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Host, cfg.Port, cfg.LogOutput = "127.0.0.1", 0, io.Discard
	cfg.BundlesDir, cfg.ModelsDir = filepath.Join(dir, "bundles"), filepath.Join(dir, "models")
	if tweak != nil {
		tweak(&cfg)
	}
	g, err := gatewayserver.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Shutdown(context.Background()) })
	return g
}

func fetch(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// With read auth on, the page is served to anyone (it holds no data and
// asks for the token), and its data only with a read token.
func TestGatewayServesThePageOpenlyAndItsDataWithReadAuth(t *testing.T) {
	g := seedGateway(t, map[string]string{"SIE_AUTH_MODE": "token", "SIE_AUTH_TOKENS": "reader", "SIE_ADMIN_TOKEN": "admin"}, nil)
	if status, body := fetch(t, g.URL()+"/ui/", ""); status != http.StatusOK || !strings.Contains(body, "<title>SIE gateway</title>") {
		t.Fatalf("/ui/: %d", status)
	}
	for _, path := range []string{"/v1/dashboard", "/v1/dashboard/events"} {
		if status, body := fetch(t, g.URL()+path, ""); status != http.StatusUnauthorized || body != `{"message":"Missing Authorization header"}` {
			t.Fatalf("%s without a token: %d %s", path, status, body)
		}
		if status, body := fetch(t, g.URL()+path, "wrong"); status != http.StatusUnauthorized || body != `{"message":"Invalid token"}` {
			t.Fatalf("%s with a wrong token: %d %s", path, status, body)
		}
	}
	status, body := fetch(t, g.URL()+"/v1/dashboard", "reader")
	if status != http.StatusOK || !strings.Contains(body, `"model_id":"BAAI/bge-m3"`) {
		t.Fatalf("/v1/dashboard with the read token: %d %s", status, body)
	}
	o := decodeOverview(t, []byte(body))
	if len(o.Models) != g.Mirror().Snapshot().Len() || o.Models[0].State != "no_workers" {
		t.Fatalf("%s", body)
	}
	// The routes read only.
	req, _ := http.NewRequest(http.MethodPost, g.URL()+"/v1/dashboard", nil)
	req.Header.Set("Authorization", "Bearer reader")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET,HEAD" {
		t.Fatalf("POST: %d %v", resp.StatusCode, resp.Header)
	}
}

// The server's read timeout bounds reading a request, not the life of an
// event stream: a viewer keeps its stream past it.
func TestEventStreamOutlivesTheReadTimeout(t *testing.T) {
	g := seedGateway(t, nil, func(cfg *gatewayserver.Config) { cfg.HTTPLimits.ReadTimeout = 300 * time.Millisecond })
	e := openEvents(t, g.URL()+"/v1/dashboard/events")
	e.next(t, 2*time.Second)
	// The refresh after the read timeout still arrives.
	e.next(t, 2*time.Second+time.Second)
}

// A gateway shutting down ends its event streams instead of waiting for them.
func TestGatewayShutdownEndsEventStreams(t *testing.T) {
	g := seedGateway(t, nil, nil)
	e := openEvents(t, g.URL()+"/v1/dashboard/events")
	e.next(t, 2*time.Second)
	start := time.Now()
	if err := g.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("shutdown took %v with a stream open", d)
	}
	for range e.got {
	}
}
