package gatewayapi

import (
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/sieproject/sie/internal/httplimits"
	"github.com/sieproject/sie/internal/logging"
)

// Auth is the gateway's auth configuration (sie-gateway.md §5). The mode
// was validated at startup: Enabled is true for "token" and "static".
type Auth struct {
	Enabled           bool
	UserTokens        []string
	AdminToken        string
	ExemptOperational bool
}

// Auth messages (contractual).
const (
	msgNoTokens      = "Gateway auth enabled but no tokens configured"
	msgMissingHeader = "Missing Authorization header"
	msgNoAdminToken  = "Admin token not configured"
	msgAdminRequired = "Admin token required"
	msgInvalidToken  = "Invalid token"
)

// middleware applies §5 to every request, matched or not, before routing.
// A refusal is answered without reading the request body and logged
// (rate-limited, never the token).
func (a Auth) middleware(next http.Handler, log *slog.Logger) http.Handler {
	if !a.Enabled {
		return next
	}
	failures := logging.NewSampler(time.Minute, 20)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, msg := a.check(r.Method, r.URL.EscapedPath(), r.Header.Get("Authorization"))
		if status != 0 {
			failures.Log(log, slog.LevelWarn, "authentication failed", "status", status, "reason", msg,
				"method", logging.Truncate(r.Method, 16), "path", logging.Truncate(r.URL.Path, logging.MaxFieldBytes),
				"remote", r.RemoteAddr, "token_presented", r.Header.Get("Authorization") != "")
			httplimits.DontDrain(w, r)
			writeMessage(w, status, msg)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// check returns 0 to pass, or the status and message of the refusal.
func (a Auth) check(method, path, header string) (int, string) {
	if path == "/healthz" || path == "/readyz" || path == "/openapi.json" {
		return 0, ""
	}
	if a.ExemptOperational && isOperational(path) {
		return 0, ""
	}
	if len(a.UserTokens) == 0 {
		return http.StatusInternalServerError, msgNoTokens
	}
	token, ok := extractToken(header)
	if !ok {
		return http.StatusUnauthorized, msgMissingHeader
	}
	if isAdminEndpoint(method, path) {
		switch {
		case a.AdminToken == "":
			return http.StatusForbidden, msgNoAdminToken
		case !tokenEqual(token, a.AdminToken):
			return http.StatusForbidden, msgAdminRequired
		}
		return 0, ""
	}
	for _, t := range a.UserTokens {
		if tokenEqual(token, t) {
			return 0, ""
		}
	}
	return http.StatusUnauthorized, msgInvalidToken
}

// isOperational lists the paths SIE_AUTH_EXEMPT_OPERATIONAL exempts.
func isOperational(path string) bool {
	return path == "/" || path == "/health" || path == "/metrics" || strings.HasPrefix(path, "/ws/")
}

// isAdminEndpoint: a mutation under /v1/config, /v1/admin or /v1/pools,
// except resolve, which is a read (D3m).
func isAdminEndpoint(method, path string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch:
	default:
		return false
	}
	if method == http.MethodPost && path == "/v1/configs/resolve" {
		return false
	}
	return strings.HasPrefix(path, "/v1/config") || strings.HasPrefix(path, "/v1/admin") || strings.HasPrefix(path, "/v1/pools")
}

// extractToken trims the header and strips a case-insensitive "bearer "
// prefix; an absent, empty or non-ASCII token is missing.
func extractToken(header string) (string, bool) {
	h := strings.TrimSpace(header)
	if len(h) >= 7 && strings.EqualFold(h[:7], "bearer ") {
		h = strings.TrimSpace(h[7:])
	}
	if h == "" {
		return "", false
	}
	for i := 0; i < len(h); i++ {
		if h[i] >= 0x80 {
			return "", false
		}
	}
	return h, true
}

// tokenEqual compares in constant time for equal lengths.
func tokenEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
