package gatewayapi

import (
	"net/http"

	"github.com/sieproject/sie/internal/catalog"
)

// msgNoRouting is the answer for a known model: routing is a later phase (D5).
const msgNoRouting = "Inference routing is not available: this sie-gateway build serves the configuration API only."

// msgEmptyRegistry answers an unknown model while the gateway knows no model
// at all: it cannot tell "unknown" from "not loaded yet", so it says so
// instead of a misleading 404 (issue 4 overrides spec §9 here).
const msgEmptyRegistry = "No model configuration is loaded yet: this gateway's registry is empty (is sie-config reachable?). Retry later."

// inference is POST /v1/{encode,score,extract}/{*model} (§9). The spec is
// the raw, undecoded path remainder.
func (s *server) inference(w http.ResponseWriter, _ *http.Request, p param) {
	prefix, name, specErr := catalog.ParseModelSpec(p.raw)
	if specErr != "" {
		writeMessage(w, http.StatusBadRequest, specErr)
		return
	}
	snap := s.mirror.Snapshot()
	m := snap.Find(name)
	switch {
	case m == nil && snap.Len() == 0:
		writeMessage(w, http.StatusServiceUnavailable, msgEmptyRegistry)
	case m == nil:
		writeMessage(w, http.StatusNotFound, "Unknown model '"+name+"'")
	case len(m.Bundles) == 0:
		writeMessage(w, http.StatusNotFound, "Model not found: "+name)
	case prefix != "" && !m.InBundle(prefix):
		writeJSON(w, http.StatusConflict, map[string]any{
			"compatible_bundles": m.Bundles,
			"message":            conflictMessage(prefix, name, m.Bundles),
		})
	default:
		writeMessage(w, http.StatusServiceUnavailable, msgNoRouting)
	}
}
