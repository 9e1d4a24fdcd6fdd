package configapi

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sieproject/sie/api"
	"github.com/sieproject/sie/internal/controlplane"
	"github.com/sieproject/sie/internal/openapitest"
	"github.com/sieproject/sie/internal/testkit"
)

// codeOperations lists the routes the server registers, in OpenAPI
// spelling ({model_id:path} → {model_id}; HEAD is implied by GET).
func codeOperations(s *Server) []openapitest.Operation {
	var out []openapitest.Operation
	for _, rt := range s.routes {
		path := strings.ReplaceAll(rt.template, ":path}", "}")
		methods := make([]string, 0, len(rt.methods))
		for m := range rt.methods {
			methods = append(methods, m)
		}
		sort.Strings(methods)
		for _, m := range methods {
			out = append(out, openapitest.Operation{Method: m, Path: path})
		}
	}
	openapitest.Sort(out)
	return out
}

func newTestServer() *Server {
	reg := prometheus.NewRegistry()
	log := testkit.Discard()
	svc := controlplane.New(controlplane.Config{Metrics: controlplane.NewMetrics(reg), Log: log})
	return New(Config{Service: svc, Registry: reg, Log: log})
}

// TestOpenAPIDocumentMatchesRoutes fails when a route is registered but not
// in api/sie-config.openapi.json, or documented but not registered. To add
// a route: register it in New and add its path and method to the document.
func TestOpenAPIDocumentMatchesRoutes(t *testing.T) {
	doc, err := openapitest.Operations(api.ConfigOpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	onlyCode, onlyDoc := openapitest.Compare(codeOperations(newTestServer()), doc)
	if len(onlyCode) > 0 || len(onlyDoc) > 0 {
		t.Fatalf("routes and api/sie-config.openapi.json disagree\nonly in code: %v\nonly in the document: %v", onlyCode, onlyDoc)
	}
}

func TestOpenAPIIsServed(t *testing.T) {
	rec := httptest.NewRecorder()
	newTestServer().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
	if rec.Code != 200 || rec.Body.String() != string(api.ConfigOpenAPI) || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET /openapi.json: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
}
