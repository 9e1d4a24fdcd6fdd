package gatewayapi

import (
	"net/http"

	"github.com/sieproject/sie/internal/catalog"
)

// msgNoRouting is the answer for a known model: routing is a later phase (D5).
const msgNoRouting = "Inference routing is not available: this sie-gateway build serves the configuration API only."

// inference is POST /v1/{encode,score,extract}/{*model} (§9). The spec is
// the raw, undecoded path remainder.
func (s *server) inference(w http.ResponseWriter, _ *http.Request, p param) {
	prefix, name, specErr := catalog.ParseModelSpec(p.raw)
	if specErr != "" {
		writeMessage(w, http.StatusBadRequest, specErr)
		return
	}
	m := s.mirror.Snapshot().Find(name)
	switch {
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
