package configapi

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// Auth holds the tokens read once at startup. A nil pointer means the
// variable was unset, which differs from set-but-empty (sie-config.md §2).
type Auth struct {
	Inference *string // SIE_AUTH_TOKEN
	Admin     *string // SIE_ADMIN_TOKEN
	Read      *string // SIE_CONFIG_READ_TOKEN
	// Production arms the fail-closed guard (SIE_ENV=prod|production).
	Production bool
}

// Auth messages, matched verbatim by clients.
const (
	msgMissingAuth  = "Missing Authorization header"
	msgInvalidToken = "Invalid token"
	msgNeedAdmin    = "Write operations require SIE_ADMIN_TOKEN (inference token is not sufficient)."
	msgAdminOnly    = "Admin token required for config mutations"
	msgProdGuard    = "Config writes are disabled: SIE_ENV=production requires SIE_ADMIN_TOKEN to be set."
)

// bearer extracts the token: one leading "Bearer " removed, then trimmed.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	h = strings.TrimPrefix(h, "Bearer ")
	return strings.TrimSpace(h)
}

// access is the auth rule of an endpoint, applied by the router before
// the handler runs.
type access int

const (
	// public: probes, metrics and the OpenAPI document.
	public access = iota
	// readAccess: every read endpoint (CheckRead).
	readAccess
	// writeAccess: POST, PUT and DELETE on models (CheckWrite).
	writeAccess
	// exportAccess: /v1/configs/export (CheckExport).
	exportAccess
)

// Check applies the rule of an endpoint with the given access to the
// request's bearer token.
func (a Auth) Check(ac access, r *http.Request) error {
	switch ac {
	case readAccess:
		return a.CheckRead(bearer(r))
	case writeAccess:
		return a.CheckWrite(bearer(r))
	case exportAccess:
		return a.CheckExport(bearer(r))
	}
	return nil
}

func set(p *string) bool      { return p != nil }
func nonEmpty(p *string) bool { return p != nil && *p != "" }
func matches(tok string, p *string) bool {
	return p != nil && subtle.ConstantTimeCompare([]byte(tok), []byte(*p)) == 1
}

// CheckRead guards every read endpoint.
func (a Auth) CheckRead(tok string) error {
	if !set(a.Inference) && !set(a.Admin) && !set(a.Read) {
		return nil
	}
	if tok == "" {
		return detailError(http.StatusUnauthorized, msgMissingAuth)
	}
	if matches(tok, a.Inference) || matches(tok, a.Admin) || matches(tok, a.Read) {
		return nil
	}
	return detailError(http.StatusForbidden, msgInvalidToken)
}

// CheckWrite guards POST, PUT and DELETE on models.
func (a Auth) CheckWrite(tok string) error {
	if a.Production && !nonEmpty(a.Admin) {
		return detailError(http.StatusForbidden, msgProdGuard)
	}
	if !set(a.Admin) {
		if nonEmpty(a.Inference) || nonEmpty(a.Read) {
			return detailError(http.StatusForbidden, msgNeedAdmin)
		}
		return nil
	}
	if tok == "" {
		return detailError(http.StatusUnauthorized, msgMissingAuth)
	}
	if matches(tok, a.Admin) {
		return nil
	}
	return detailError(http.StatusForbidden, msgAdminOnly)
}

// CheckExport guards /export: like a write, but the read token also works
// and its presence alone already demands a token.
func (a Auth) CheckExport(tok string) error {
	if a.Production && !nonEmpty(a.Admin) {
		return detailError(http.StatusForbidden, msgProdGuard)
	}
	if !set(a.Admin) && !set(a.Read) {
		return a.CheckWrite(tok)
	}
	if tok == "" {
		return detailError(http.StatusUnauthorized, msgMissingAuth)
	}
	if matches(tok, a.Admin) || matches(tok, a.Read) {
		return nil
	}
	return detailError(http.StatusForbidden, msgAdminOnly)
}
