package configapi

import (
	"net/http"

	"github.com/sieproject/sie/api"
	"github.com/sieproject/sie/internal/doc"
)

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request, _ string) error {
	writeJSON(w, http.StatusOK, doc.NewMap(doc.Entry{Key: "status", Value: "ok"}))
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request, _ string) error {
	if s.svc.Snapshot() == nil {
		return detailError(http.StatusServiceUnavailable, "Model registry not loaded")
	}
	if s.ready != nil {
		if err := s.ready(); err != nil {
			return detailError(http.StatusServiceUnavailable, err.Error())
		}
	}
	writeJSON(w, http.StatusOK, doc.NewMap(doc.Entry{Key: "status", Value: "ready"}))
	return nil
}

func (s *Server) metricsHandler(w http.ResponseWriter, r *http.Request, _ string) error {
	s.prom.ServeHTTP(w, r)
	return nil
}

// openAPI serves the OpenAPI 3.1 document of this API (no auth: it holds
// no data).
func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request, _ string) error {
	writeBody(w, http.StatusOK, contentJSON, api.ConfigOpenAPI)
	return nil
}
