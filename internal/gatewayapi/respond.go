package gatewayapi

import (
	"net/http"
	"strconv"

	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/yamldoc"
)

const (
	contentJSON = "application/json"
	contentYAML = "application/x-yaml"
	// sourceRegistry is the `source` of every config answer.
	sourceRegistry = "gateway-registry"
)

func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeJSON writes v with sorted keys (canonical form, raw UTF-8 strings).
func writeJSON(w http.ResponseWriter, status int, v any) {
	writeBody(w, status, contentJSON, canonjson.AppendCanonical(nil, v, canonjson.ORJSON))
}

// writeMessage writes the gateway error body {"message": text}.
func writeMessage(w http.ResponseWriter, status int, text string) {
	writeJSON(w, status, map[string]any{"message": text})
}

// writeYAML writes a mapping whose keys the caller put in sorted order.
func writeYAML(w http.ResponseWriter, m *doc.Map) {
	writeBody(w, http.StatusOK, contentYAML, yamldoc.Emit(m))
}

// writeEmpty is the framework's bare answer (404, 405).
func writeEmpty(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(status)
}

// stringsAny converts for the YAML emitter, which takes document lists.
func stringsAny(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}

// nonNil keeps an empty list a JSON [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
