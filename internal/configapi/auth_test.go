package configapi_test

// The auth matrix of sie-config.md §2.2 (every row and column), token
// extraction (§2.1), the production guard (§2.3, D3m) and the rule that
// auth runs before every other check.

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sieproject/sie/internal/configapi"
)

// Outcome codes used by the matrix: "ok" (allowed), "401", "403i" (Invalid
// token), "403a" (Admin token required…), "403n" (Write operations
// require SIE_ADMIN_TOKEN…).
type authRow struct {
	name    string
	auth    configapi.Auth
	read    string // none inf adm rd wrong
	write   string // none inf adm rd wrong
	export5 string // none inf adm rd wrong (the spec's none/rd columns plus the rules)
}

var authMatrix = []authRow{
	{"no tokens", configapi.Auth{}, "ok ok ok ok ok", "ok ok ok ok ok", "ok ok ok ok ok"},
	{"only A=inf", configapi.Auth{Inference: tok("inf")}, "401 ok 403i 403i 403i", "403n 403n 403n 403n 403n", "403n 403n 403n 403n 403n"},
	{"only M=adm", configapi.Auth{Admin: tok("adm")}, "401 403i ok 403i 403i", "401 403a ok 403a 403a", "401 403a ok 403a 403a"},
	{"A and M", configapi.Auth{Inference: tok("inf"), Admin: tok("adm")}, "401 ok ok 403i 403i", "401 403a ok 403a 403a", "401 403a ok 403a 403a"},
	{"M and R", configapi.Auth{Admin: tok("adm"), Read: tok("rd")}, "401 403i ok ok 403i", "401 403a ok 403a 403a", "401 403a ok ok 403a"},
	{"only R=rd", configapi.Auth{Read: tok("rd")}, "401 403i 403i ok 403i", "403n 403n 403n 403n 403n", "401 403a 403a ok 403a"},
	{`A="" only`, configapi.Auth{Inference: tok("")}, "401 403i 403i 403i 403i", "ok ok ok ok ok", "ok ok ok ok ok"},
	{`M="" only`, configapi.Auth{Admin: tok("")}, "401 403i 403i 403i 403i", "401 403a 403a 403a 403a", "401 403a 403a 403a 403a"},
}

var presented = []string{"", "inf", "adm", "rd", "wrong"}

func authHeaders(token string) []string {
	if token == "" {
		return nil
	}
	return bearerHdr(token)
}

// denied maps a denial code to its exact response; "" for "ok".
func denied(code string) (int, string) {
	switch code {
	case "401":
		return 401, errMissing
	case "403i":
		return 403, errInvalid
	case "403a":
		return 403, errAdmin
	case "403n":
		return 403, errNeedAdm
	}
	return 0, ""
}

// requests per class, with what an allowed request answers (the seed
// test/model exists; bodies chosen to fail after auth, so nothing changes).
type probe struct {
	method, path, body string
	okStatus           int
}

var (
	readProbes = []probe{
		{"GET", "/v1/configs/models", "", 200},
		{"GET", "/v1/configs/models/test/model", "", 200},
		{"GET", "/v1/configs/bundles", "", 200},
		{"GET", "/v1/configs/bundles/default", "", 200},
		{"GET", "/v1/configs/epoch", "", 200},
		{"POST", "/v1/configs/resolve", `{"model":"test/model"}`, 200},
	}
	writeProbes = []probe{
		{"POST", "/v1/configs/models", "", 400},
		{"PUT", "/v1/configs/models/test/model", "", 400},
		{"DELETE", "/v1/configs/models/unknown/model", "", 404},
	}
	exportProbes = []probe{{"GET", "/v1/configs/export", "", 200}}
)

func TestAuthMatrix(t *testing.T) {
	for _, row := range authMatrix {
		t.Run(row.name, func(t *testing.T) {
			e := newEnv(t, options{models: seedOnly(), auth: row.auth})
			check := func(class, codes string, probes []probe) {
				for i, code := range strings.Fields(codes) {
					for _, p := range probes {
						r := e.do(p.method, p.path, p.body, authHeaders(presented[i])...)
						status, body := denied(code)
						if status == 0 {
							if r.status != p.okStatus {
								t.Errorf("%s %s %s token %q: got %d %s, want allowed (%d)", class, p.method, p.path, presented[i], r.status, r.body, p.okStatus)
							}
							continue
						}
						if r.status != status || r.body != body {
							t.Errorf("%s %s %s token %q: got %d %s, want %d %s", class, p.method, p.path, presented[i], r.status, r.body, status, body)
						}
					}
				}
			}
			check("read", row.read, readProbes)
			check("write", row.write, writeProbes)
			check("export", row.export5, exportProbes)
			if e.epoch() != 0 {
				t.Fatal("a probe changed the epoch")
			}
		})
	}
}

// TestAuthNeverOnProbes: /healthz, /readyz and /metrics are never
// authenticated.
func TestAuthNeverOnProbes(t *testing.T) {
	e := newEnv(t, options{auth: configapi.Auth{Admin: tok("adm"), Inference: tok("inf")}})
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		expectStatus(t, e.get(p), 200)
	}
}

// TestBearerExtraction covers §2.1: one leading "Bearer " (case-sensitive)
// is removed, then whitespace is trimmed; a non-ASCII token is simply
// wrong (D3e: 403, never 500).
func TestBearerExtraction(t *testing.T) {
	e := newEnv(t, options{auth: configapi.Auth{Admin: tok("adm")}})
	cases := []struct {
		header string
		status int
		body   string
	}{
		{"Bearer adm", 200, ""},
		{"Bearer   adm  ", 200, ""},
		{"adm", 200, ""},
		{"  adm ", 200, ""},
		{"bearer adm", 403, errInvalid},
		{"Bearer Bearer adm", 403, errInvalid},
		// HTTP strips trailing whitespace from header values, so "Bearer "
		// arrives as "Bearer": no prefix to remove, the token is "Bearer".
		{"Bearer ", 403, errInvalid},
		{"", 401, errMissing},
		{"Bearer", 403, errInvalid}, // no space: nothing removed, the token is "Bearer"
		{"Bearer é", 403, errInvalid},
		{"Bearer \xff\xfe", 403, errInvalid},
	}
	for _, c := range cases {
		r := e.get("/v1/configs/epoch", "Authorization", c.header)
		if r.status != c.status || (c.body != "" && r.body != c.body) {
			t.Errorf("Authorization %q: got %d %s, want %d %s", c.header, r.status, r.body, c.status, c.body)
		}
	}
	// Non-ASCII on a write: 403, never 500 (D3e no-500 list).
	expect(t, e.post(newModel, "Authorization", "Bearer é"), 403, errAdmin)
}

// TestProductionGuard covers §2.3 (D3m): SIE_ENV=production without an
// admin token refuses writes and export, whatever is presented; reads
// follow §2.2; with an admin token the guard is off.
func TestProductionGuard(t *testing.T) {
	for _, a := range []configapi.Auth{
		{Production: true},
		{Production: true, Admin: tok("")},
		{Production: true, Inference: tok("inf"), Read: tok("rd")},
	} {
		e := newEnv(t, options{models: seedOnly(), auth: a})
		for _, token := range presented {
			h := authHeaders(token)
			expect(t, e.post(newModel, h...), 403, errProd)
			expect(t, e.put("new/model", newModel, h...), 403, errProd)
			expect(t, e.del("test/model", h...), 403, errProd)
			expect(t, e.get("/v1/configs/export", h...), 403, errProd)
		}
		// Reads follow §2.2.
		want := 200
		if a.Inference != nil || a.Admin != nil {
			want = 401
		}
		expectStatus(t, e.get("/v1/configs/models"), want)
		if a.Inference != nil {
			expectStatus(t, e.get("/v1/configs/models", bearerHdr("inf")...), 200)
			expectStatus(t, e.get("/v1/configs/models", bearerHdr("rd")...), 200)
		}
	}
	e := newEnv(t, options{auth: configapi.Auth{Production: true, Admin: tok("adm")}})
	expectStatus(t, e.post(newModel, bearerHdr("adm")...), 201)
	expectStatus(t, e.get("/v1/configs/export", bearerHdr("adm")...), 200)
	expect(t, e.post(newModel), 401, errMissing)
}

// TestAuthRunsFirst: auth precedes the registry, NATS, size and body
// checks (§2.2 last paragraph).
func TestAuthRunsFirst(t *testing.T) {
	auth := configapi.Auth{Admin: tok("adm")}
	noReg := newEnv(t, options{noRegistry: true, auth: auth})
	expect(t, noReg.get("/v1/configs/models"), 401, errMissing)
	expect(t, noReg.post(newModel), 401, errMissing)
	expect(t, noReg.get("/v1/configs/export", bearerHdr("x")...), 403, errAdmin)

	pub := newFakePub()
	pub.connected.Store(false)
	down := newEnv(t, options{auth: auth, pub: pub, routerID: "r"})
	expect(t, down.post(newModel), 401, errMissing)
	expect(t, down.post(strings.Repeat("x", 2<<20)), 401, errMissing)
	expect(t, down.post(newModel, bearerHdr("adm")...), 503, errNATS)
	// Reads are unaffected by NATS (D3c).
	expectStatus(t, down.get("/v1/configs/models", bearerHdr("adm")...), http.StatusOK)
}
