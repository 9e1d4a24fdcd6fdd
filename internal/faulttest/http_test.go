package faulttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

// httpClient serves every request of the suite. Requests to a process that
// is being killed fail fast with a transport error.
var httpClient = &http.Client{
	Timeout: 20 * time.Second,
	Transport: &http.Transport{
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     30 * time.Second,
	},
}

// httpDo sends one request; the path is sent as written (no cleaning), so
// traversal attempts reach the server verbatim.
func httpDo(base, method, path string, body []byte, header ...string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, data, err
	}
	return resp.StatusCode, data, nil
}

// mustDo is httpDo for requests that must get an answer.
func mustDo(t testing.TB, base, method, path string, body []byte) (int, []byte) {
	t.Helper()
	code, data, err := httpDo(base, method, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return code, data
}

// errorCode extracts detail.error from a sie-config error body ("" if none).
func errorCode(body []byte) string {
	var e struct {
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	var d struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(e.Detail, &d) != nil {
		return ""
	}
	return d.Error
}

// remoteEpoch reads GET /v1/configs/epoch.
func remoteEpoch(t testing.TB, base string) uint64 {
	t.Helper()
	code, body := mustDo(t, base, "GET", "/v1/configs/epoch", nil)
	var e struct {
		Epoch uint64 `json:"epoch"`
	}
	if code != 200 || json.Unmarshal(body, &e) != nil {
		t.Fatalf("GET /v1/configs/epoch: %d %s", code, body)
	}
	return e.Epoch
}

// metricValue scrapes /metrics for one sample line ("name{labels}" or
// "name") and returns its value text, "" if absent.
func metricValue(base, sample string) string {
	code, body, err := httpDo(base, "GET", "/metrics", nil)
	if err != nil || code != 200 {
		return ""
	}
	for _, line := range strings.Split(string(body), "\n") {
		if rest, ok := strings.CutPrefix(line, sample+" "); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

// waitNATSConnected waits until sie-config reports its NATS connection in
// the given state (writes are refused with 503 while it is down).
func waitNATSConnected(t testing.TB, base string, up bool) time.Duration {
	t.Helper()
	want := "0"
	if up {
		want = "1"
	}
	return testkit.Eventually(t, 20*time.Second, "sie_config_nats_connected "+want, func() (bool, string) {
		v := metricValue(base, "sie_config_nats_connected")
		return v == want, fmt.Sprintf("gauge=%q", v)
	})
}
