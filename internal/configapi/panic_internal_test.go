package configapi

// Upstream #92 (test_uncaught_exception_counted_as_500): a handler that
// panics is answered with the 500 envelope, logged, and counted under its
// route template. No route panics on purpose, so the test adds one.

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sieproject/sie/internal/controlplane"
	"github.com/sieproject/sie/internal/testkit"
)

func TestPanicIsCountedAs500(t *testing.T) {
	reg := prometheus.NewRegistry()
	var logs testkit.Logs
	s := New(Config{
		Service:  controlplane.New(controlplane.Config{}),
		Registry: reg,
		Log:      logs.Logger(),
	})
	s.routes = append(s.routes, &route{template: "/boom", exact: "/boom", allow: "GET",
		methods: map[string]endpoint{"GET": {handle: func(http.ResponseWriter, *http.Request, string) error { panic("boom") }}}})
	srv := httptest.NewServer(s)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/boom")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 500 || string(body) != `{"detail":"Internal Server Error"}` || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var count, observed float64
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range families {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["method"] != "GET" || labels["path"] != "/boom" {
				continue
			}
			switch mf.GetName() {
			case "sie_config_http_requests_total":
				if labels["status"] == "500" {
					count = m.GetCounter().GetValue()
				}
			case "sie_config_http_request_duration_seconds":
				observed = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	if count != 1 || observed < 1 {
		t.Fatalf("counter {GET,/boom,500} = %v, histogram count %v", count, observed)
	}
	if !strings.Contains(logs.String(), "panic serving request") || !strings.Contains(logs.String(), "goroutine") {
		t.Fatalf("panic not logged with a stack trace: %s", logs.String())
	}
	// The server keeps serving.
	resp, err = http.Get(srv.URL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after a panic: %v %v", resp, err)
	}
	resp.Body.Close()
}
