package gatewayapi

import (
	"net/http"
	"testing"
)

// handlers/models.rs #1–#7 and middleware/auth.rs #1–#3.
func TestExtractToken(t *testing.T) {
	cases := map[string]string{
		"Bearer abc": "abc", "bearer abc": "abc", "BEARER   abc  ": "abc", "abc": "abc", "  raw ": "raw",
		"Bearer ": "Bearer", "Bearer": "Bearer",
	}
	for in, want := range cases {
		if got, ok := extractToken(in); !ok || got != want {
			t.Errorf("%q → %q %v, want %q", in, got, ok, want)
		}
	}
	for _, missing := range []string{"", "   ", "Bearer é", "tökén"} {
		if _, ok := extractToken(missing); ok {
			t.Errorf("%q must be missing", missing)
		}
	}
	if !tokenEqual("abc", "abc") || tokenEqual("abc", "abd") || tokenEqual("abc", "abcd") {
		t.Error("tokenEqual")
	}
}

// middleware/auth.rs #5 (plus D3m: resolve is a read).
func TestIsAdminEndpoint(t *testing.T) {
	admin := [][2]string{{"POST", "/v1/configs/models"}, {"PUT", "/v1/configs/models/x"}, {"DELETE", "/v1/admin/reload"},
		{"POST", "/v1/pools"}, {"DELETE", "/v1/pools/p"}, {"PATCH", "/v1/config"}}
	for _, c := range admin {
		if !isAdminEndpoint(c[0], c[1]) {
			t.Errorf("%v is admin", c)
		}
	}
	read := [][2]string{{"GET", "/v1/configs/models"}, {"POST", "/v1/encode/m"}, {"POST", "/v1/configs/resolve"}, {"GET", "/v1/pools"}, {"HEAD", "/v1/configs/models"}}
	for _, c := range read {
		if isAdminEndpoint(c[0], c[1]) {
			t.Errorf("%v is not admin", c)
		}
	}
}

// middleware/auth.rs #7–#18 over HTTP, in the §5 order.
func TestAuthMiddleware(t *testing.T) {
	st := state(t, 0, modelDoc("a/m", bertFlash))
	off := newEnv(t, st, Auth{})
	for _, p := range []string{"/health", "/metrics", "/v1/configs/models", "/readyz"} {
		if r := off.get(p); r.status != 200 {
			t.Errorf("auth off %s: %d", p, r.status)
		}
	}
	on := newEnv(t, st, Auth{Enabled: true, UserTokens: []string{"user1", "user2"}, AdminToken: "admin"})
	type req struct {
		method, path, token string
		status              int
		body                string
	}
	for _, c := range []req{
		{"GET", "/healthz", "", 200, `{"status":"ok"}`},
		{"GET", "/readyz", "", 200, ""},
		{"GET", "/health", "", 401, `{"message":"Missing Authorization header"}`},
		{"GET", "/metrics", "", 401, ""},
		{"GET", "/", "", 401, ""},
		{"GET", "/ws/cluster-status", "", 401, ""},
		{"GET", "/v1/configs/models", "Bearer nope", 401, `{"message":"Invalid token"}`},
		{"GET", "/v1/configs/models", "Bearer admin", 401, `{"message":"Invalid token"}`},
		{"GET", "/v1/configs/models", "user2", 200, ""},
		{"GET", "/no/such/path", "", 401, ""},
		{"GET", "/no/such/path", "Bearer user1", 404, ""},
		{"POST", "/v1/configs/models", "", 401, ""},
		{"POST", "/v1/configs/models", "Bearer user1", 403, `{"message":"Admin token required"}`},
		{"POST", "/v1/configs/models", "Bearer admin", 405, ""},
		{"POST", "/v1/pools/p", "Bearer user1", 403, ""},
		{"POST", "/v1/pools/p", "Bearer admin", 404, ""},
		{"GET", "/v1/pools", "Bearer user1", 404, ""},
		{"DELETE", "/v1/admin/reload", "Bearer user1", 403, ""},
		{"POST", "/v1/encode/a/m", "Bearer user1", 503, ""},
		{"GET", "/v1/configs/models", "Bearer é", 401, `{"message":"Missing Authorization header"}`},
	} {
		r := on.do(c.method, c.path, c.token, "", "")
		if r.status != c.status || (c.body != "" && r.body != c.body) {
			t.Errorf("%s %s [%s]: %d %s", c.method, c.path, c.token, r.status, r.body)
		}
	}
	// Resolve is a read: a user token is enough (D3m).
	if r := on.do(http.MethodPost, "/v1/configs/resolve", "Bearer user1", "application/json", `{"model":"a/m"}`); r.status != 200 {
		t.Errorf("resolve with a user token: %d %s", r.status, r.body)
	}
	exempt := newEnv(t, st, Auth{Enabled: true, UserTokens: []string{"u"}, ExemptOperational: true})
	for _, p := range []string{"/health", "/metrics"} {
		if r := exempt.get(p); r.status != 200 {
			t.Errorf("exempt %s: %d", p, r.status)
		}
	}
	if r := exempt.get("/"); r.status != 404 {
		t.Errorf("exempt / passes auth, then 404: %d", r.status)
	}
	if r := exempt.get("/v1/configs/models"); r.status != 401 {
		t.Errorf("config reads stay protected: %d", r.status)
	}
	noAdmin := newEnv(t, st, Auth{Enabled: true, UserTokens: []string{"u"}})
	expect(t, noAdmin.do(http.MethodDelete, "/v1/admin/reload", "Bearer u", "", ""), 403, `{"message":"Admin token not configured"}`)
	noTokens := newEnv(t, st, Auth{Enabled: true, AdminToken: "a"})
	expect(t, noTokens.do(http.MethodGet, "/v1/configs/models", "Bearer a", "", ""), 500, `{"message":"Gateway auth enabled but no tokens configured"}`)
	if r := noTokens.get("/healthz"); r.status != 200 {
		t.Error("probes stay exempt")
	}
}
