package configapi

import (
	"net/http"
	"strconv"

	"github.com/sieproject/sie/internal/canonjson"
)

const (
	contentJSON = "application/json"
	contentYAML = "application/x-yaml"
)

func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeJSON encodes v (a *doc.Map or another canonjson value) in order.
func writeJSON(w http.ResponseWriter, status int, v any) {
	writeBody(w, status, contentJSON, canonjson.Ordered(v))
}

func writeError(w http.ResponseWriter, err error) {
	he := toHTTP(err)
	if he.allow != "" {
		w.Header().Set("Allow", he.allow)
	}
	writeBody(w, he.status, contentJSON, errorBody(he))
}
