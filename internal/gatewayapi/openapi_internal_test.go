package gatewayapi

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/sieproject/sie/api"
	"github.com/sieproject/sie/internal/openapitest"
)

// prefixPaths names the OpenAPI paths each prefix route serves. A handler
// that dispatches on the rest of the path (getModel's "/status") serves
// several. Adding a route: register it in New, add its path to
// api/sie-gateway.openapi.json and, for a prefix route or a new suffix
// handled inside one, list the path here.
var prefixPaths = map[string][]string{
	"/v1/models/":          {"/v1/models/{model}"},
	"/v1/configs/models/":  {"/v1/configs/models/{model_id}", "/v1/configs/models/{model_id}/status", "/v1/configs/models/{model_id}/rollout"},
	"/v1/configs/bundles/": {"/v1/configs/bundles/{bundle_id}"},
	"/v1/encode/":          {"/v1/encode/{model}"},
	"/v1/score/":           {"/v1/score/{model}"},
	"/v1/extract/":         {"/v1/extract/{model}"},
}

// codeOperations lists the router's routes in OpenAPI spelling.
func codeOperations(t *testing.T, rt *router) []openapitest.Operation {
	var out []openapitest.Operation
	for _, r := range rt.routes {
		paths := []string{r.exact}
		if r.exact == "" {
			var ok bool
			if paths, ok = prefixPaths[r.prefix]; !ok {
				t.Fatalf("prefix route %s has no entry in prefixPaths (and so none in the OpenAPI document)", r.prefix)
			}
		}
		methods := make([]string, 0, len(r.methods))
		for m := range r.methods {
			methods = append(methods, m)
		}
		sort.Strings(methods)
		for _, p := range paths {
			for _, m := range methods {
				out = append(out, openapitest.Operation{Method: m, Path: p})
			}
		}
	}
	openapitest.Sort(out)
	return out
}

// TestOpenAPIDocumentMatchesRoutes fails when a route is registered but not
// in api/sie-gateway.openapi.json, or documented but not registered.
func TestOpenAPIDocumentMatchesRoutes(t *testing.T) {
	h := New(Config{Mirror: &fakeMirror{st: state(t, 0)}, Workers: nil})
	rt, ok := h.(*router)
	if !ok {
		t.Fatalf("New returned %T, want the bare router when auth is off", h)
	}
	doc, err := openapitest.Operations(api.GatewayOpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	onlyCode, onlyDoc := openapitest.Compare(codeOperations(t, rt), doc)
	if len(onlyCode) > 0 || len(onlyDoc) > 0 {
		t.Fatalf("routes and api/sie-gateway.openapi.json disagree\nonly in code: %v\nonly in the document: %v", onlyCode, onlyDoc)
	}
	// Every documented path, filled in, reaches a route with its method.
	for _, op := range doc {
		path := strings.NewReplacer("{model_id}", "org/m", "{model}", "org/m", "{bundle_id}", "b").Replace(op.Path)
		found := false
		for _, r := range rt.routes {
			if _, match := r.match(path); match {
				_, found = r.methods[op.Method]
				break
			}
		}
		if !found {
			t.Fatalf("%s: %s matches no route with that method", op, path)
		}
	}
}

func TestOpenAPIIsServedWithoutAuth(t *testing.T) {
	e := newEnv(t, state(t, 0), Auth{Enabled: true, UserTokens: []string{"u"}})
	r := e.get("/openapi.json")
	if r.status != http.StatusOK || r.body != string(api.GatewayOpenAPI) {
		t.Fatalf("GET /openapi.json: %d", r.status)
	}
}
