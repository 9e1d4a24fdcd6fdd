package gatewayapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/strictjson"
)

// maxResolveBody matches the framework's default body limit.
const maxResolveBody = 2 << 20

// Framework body rejections, as JSON bodies (README §5.2 item 9).
const (
	msgContentType  = "Expected request with `Content-Type: application/json`"
	prefixSyntax    = "Failed to parse the request body as JSON: "
	prefixShape     = "Failed to deserialize the JSON body into the target type: "
	msgBodyTooLarge = "Failed to buffer the request body: length limit exceeded"
)

// resolve is POST /v1/configs/resolve (§4.5), a read (D3m).
func (s *server) resolve(w http.ResponseWriter, r *http.Request, _ param) {
	if !isJSONContent(r.Header.Get("Content-Type")) {
		writeMessage(w, http.StatusUnsupportedMediaType, msgContentType)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxResolveBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeMessage(w, http.StatusRequestEntityTooLarge, msgBodyTooLarge)
			return
		}
		writeMessage(w, http.StatusBadRequest, prefixSyntax+err.Error())
		return
	}
	model, bundle, status, msg := decodeResolveBody(body)
	if status != 0 {
		writeMessage(w, status, msg)
		return
	}
	prefix, name, specErr := catalog.ParseModelSpec(model)
	if specErr != "" {
		writeMessage(w, http.StatusBadRequest, specErr)
		return
	}
	override := bundle
	if prefix != "" {
		override = &prefix // the spec's prefix wins over the body's bundle
	}
	m := s.mirror.Snapshot().Find(name)
	if m == nil || len(m.Bundles) == 0 {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "Model not found: " + name, "model": name})
		return
	}
	resolved := m.Bundles[0]
	if override != nil {
		if !m.InBundle(*override) {
			writeJSON(w, http.StatusConflict, map[string]any{
				"bundle":             *override,
				"compatible_bundles": m.Bundles,
				"message":            conflictMessage(*override, name, m.Bundles),
				"model":              name,
			})
			return
		}
		resolved = *override
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"compatible_bundles": m.Bundles,
		"model":              name,
		"profiles":           m.ProfileNames,
		"resolved_bundle":    resolved,
	})
}

// isJSONContent accepts application/json and any application/*+json.
func isJSONContent(header string) bool {
	if header == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(header)
	if err != nil {
		return false
	}
	sub, ok := strings.CutPrefix(mt, "application/")
	return ok && (sub == "json" || strings.HasSuffix(sub, "+json"))
}

// decodeResolveBody splits syntax errors (400) from shape errors (422), as
// the upstream framework does: {"model": string, "bundle": string|null}.
func decodeResolveBody(body []byte) (model string, bundle *string, status int, msg string) {
	if !utf8.Valid(body) {
		return "", nil, http.StatusBadRequest, prefixSyntax + "invalid UTF-8"
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return "", nil, http.StatusBadRequest, prefixSyntax + err.Error()
	}
	if err := strictjson.CheckDuplicates(body); err != nil {
		return "", nil, http.StatusBadRequest, prefixSyntax + err.Error()
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return "", nil, http.StatusUnprocessableEntity, prefixShape + "expected a JSON object"
	}
	mv, ok := obj["model"]
	if !ok {
		return "", nil, http.StatusUnprocessableEntity, prefixShape + "missing field `model`"
	}
	model, ok = mv.(string)
	if !ok {
		return "", nil, http.StatusUnprocessableEntity, prefixShape + "model: invalid type, expected a string"
	}
	switch b := obj["bundle"].(type) {
	case nil:
	case string:
		bundle = &b
	default:
		return "", nil, http.StatusUnprocessableEntity, prefixShape + "bundle: invalid type, expected a string or null"
	}
	return model, bundle, 0, ""
}

// conflictMessage is the 409 text; the list is written ["a", "b"].
func conflictMessage(bundle, model string, compatible []string) string {
	return "Bundle '" + bundle + "' does not support model '" + model + "'. Compatible bundles: " + quotedList(compatible)
}

func quotedList(items []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('"')
		b.WriteString(s)
		b.WriteByte('"')
	}
	b.WriteByte(']')
	return b.String()
}
