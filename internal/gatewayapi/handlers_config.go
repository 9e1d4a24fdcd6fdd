package gatewayapi

import (
	"net/http"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/gateway"
)

// listModels is GET /v1/configs/models (§4.1): always 200, sorted.
func (s *server) listModels(w http.ResponseWriter, _ *http.Request, _ param) {
	st := s.mirror.Snapshot()
	list := make([]map[string]any, 0, st.Len())
	for _, m := range st.Models() {
		list = append(list, map[string]any{"model_id": m.ID, "profiles": m.ProfileNames, "source": sourceRegistry})
	}
	writeJSON(w, http.StatusOK, map[string]any{"models": list})
}

// getModel is GET /v1/configs/models/{*id} (§4.2): the status view when the
// id ends with /status and the rest names a known model (or, with
// ?wait=ready, may become one), the fleet-wide rollout likewise for
// /rollout, else the YAML view.
func (s *server) getModel(w http.ResponseWriter, r *http.Request, p param) {
	raw := p.decoded
	if base, ok := rolloutBase(raw); ok && catalog.CheckModelIDBounds(base) == "" {
		if s.mirror.Snapshot().Find(base) != nil || (r.URL.RawQuery != "" && r.URL.Query().Has("wait")) {
			s.serveRollout(w, r, raw, base)
			return
		}
	}
	if base, ok := statusBase(raw); ok && catalog.CheckModelIDBounds(base) == "" {
		if s.mirror.Snapshot().Find(base) != nil || (r.URL.RawQuery != "" && r.URL.Query().Has("wait")) {
			s.serveStatus(w, r, raw, base)
			return
		}
	}
	if msg := catalog.CheckModelIDBounds(raw); msg != "" {
		writeInvalidModelID(w, msg)
		return
	}
	s.writeModelYAML(w, s.mirror.Snapshot(), raw)
}

// writeModelYAML is the YAML view of raw, or 404 when no model has that id.
func (s *server) writeModelYAML(w http.ResponseWriter, st *gateway.State, raw string) {
	m := st.Find(raw)
	if m == nil {
		writeMessage(w, http.StatusNotFound, "Model '"+raw+"' not found")
		return
	}
	writeYAML(w, doc.NewMap(
		doc.Entry{Key: "bundles", Value: stringsAny(m.Bundles)},
		doc.Entry{Key: "sie_id", Value: m.ID},
		doc.Entry{Key: "source", Value: sourceRegistry},
	))
}

// writeInvalidModelID is the model-id bounds refusal, in sie-config's
// envelope: the same bytes from both services.
func writeInvalidModelID(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"detail": map[string]any{"error": "invalid_model_id", "message": msg}})
}

// listBundles is GET /v1/configs/bundles (§4.3), in bundle order.
func (s *server) listBundles(w http.ResponseWriter, _ *http.Request, _ param) {
	st := s.mirror.Snapshot()
	list := make([]map[string]any, 0, len(st.Bundles()))
	for _, b := range st.Bundles() {
		list = append(list, map[string]any{
			"adapter_count":     len(b.Adapters),
			"bundle_id":         b.Name,
			"connected_workers": len(s.workers.Eligible(b.Name)),
			"priority":          b.Priority,
			"source":            sourceRegistry,
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"bundles": list})
}

// getBundle is GET /v1/configs/bundles/{id} (§4.4), matched exactly.
func (s *server) getBundle(w http.ResponseWriter, _ *http.Request, p param) {
	b := s.mirror.Snapshot().Bundle(p.decoded)
	if b == nil {
		writeMessage(w, http.StatusNotFound, "Bundle '"+p.decoded+"' not found")
		return
	}
	writeYAML(w, doc.NewMap(
		doc.Entry{Key: "adapters", Value: stringsAny(b.Adapters)},
		doc.Entry{Key: "name", Value: b.Name},
		doc.Entry{Key: "priority", Value: b.Priority},
		doc.Entry{Key: "source", Value: sourceRegistry},
	))
}
