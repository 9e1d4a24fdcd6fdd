package configapi

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sieproject/sie/internal/controlplane"
)

// Auth is a route attribute: every method of every /v1 route names its
// rule, writes take the write rule and the export its own, and only the
// probes, metrics and the OpenAPI document are public.
func TestEveryRouteDeclaresItsAccess(t *testing.T) {
	s := New(Config{Service: controlplane.New(controlplane.Config{}), Registry: prometheus.NewRegistry()})
	for _, rt := range s.routes {
		for method, ep := range rt.methods {
			want := readAccess
			switch {
			case !strings.HasPrefix(rt.template, "/v1/"):
				want = public
			case rt.template == "/v1/configs/export":
				want = exportAccess
			case method == "POST" && rt.template == "/v1/configs/resolve":
				want = readAccess
			case method == "POST" || method == "PUT" || method == "DELETE":
				want = writeAccess
			}
			if ep.access != want {
				t.Errorf("%s %s: access %d, want %d", method, rt.template, ep.access, want)
			}
			if ep.handle == nil {
				t.Errorf("%s %s: no handler", method, rt.template)
			}
		}
	}
}
