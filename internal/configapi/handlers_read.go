package configapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/controlplane"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/strictjson"
	"github.com/sieproject/sie/internal/yamldoc"
)

// registry returns the snapshot or the registry_unavailable error.
func (s *Server) registry() (*catalog.Snapshot, error) {
	snap := s.svc.Snapshot()
	if snap == nil {
		return nil, errRegistry
	}
	return snap, nil
}

func (s *Server) listModels(w http.ResponseWriter, r *http.Request, _ string) error {
	snap, err := s.registry()
	if err != nil {
		return err
	}
	models := make([]any, 0, snap.Len())
	for _, m := range snap.Models() {
		models = append(models, doc.NewMap(
			doc.Entry{Key: "model_id", Value: m.ID},
			doc.Entry{Key: "profiles", Value: nonNil(m.ProfileNames())},
			doc.Entry{Key: "source", Value: m.Source()},
		))
	}
	writeJSON(w, http.StatusOK, doc.NewMap(doc.Entry{Key: "models", Value: models}))
	return nil
}

func (s *Server) getModel(w http.ResponseWriter, r *http.Request, id string) error {
	m, err := s.svc.Find(id)
	if err != nil {
		return err
	}
	text := m.Text()
	etag := controlplane.ETag(text)
	w.Header().Set("ETag", etag)
	if noneMatch(r, etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	writeBody(w, http.StatusOK, contentYAML, []byte(text))
	return nil
}

func (s *Server) listBundles(w http.ResponseWriter, r *http.Request, _ string) error {
	snap, err := s.registry()
	if err != nil {
		return err
	}
	list := []any{}
	for _, b := range snap.Bundles().Ordered() {
		list = append(list, doc.NewMap(
			doc.Entry{Key: "bundle_id", Value: b.Name},
			doc.Entry{Key: "priority", Value: b.Priority},
			doc.Entry{Key: "adapter_count", Value: int64(len(b.Adapters))},
			doc.Entry{Key: "source", Value: catalog.SourceFilesystem},
		))
	}
	writeJSON(w, http.StatusOK, doc.NewMap(doc.Entry{Key: "bundles", Value: list}))
	return nil
}

func (s *Server) getBundle(w http.ResponseWriter, r *http.Request, id string) error {
	snap, err := s.registry()
	if err != nil {
		return err
	}
	b := snap.Bundles().Lookup(id)
	if b == nil {
		return codedError(http.StatusNotFound, "bundle_not_found", doc.Entry{Key: "bundle_id", Value: id})
	}
	adapters := make([]any, len(b.Adapters))
	for i, a := range b.Adapters {
		adapters[i] = a
	}
	view := doc.NewMap(
		doc.Entry{Key: "adapters", Value: adapters},
		doc.Entry{Key: "name", Value: b.Name},
		doc.Entry{Key: "priority", Value: b.Priority},
		doc.Entry{Key: "source", Value: catalog.SourceFilesystem},
	)
	writeBody(w, http.StatusOK, contentYAML, yamldoc.Emit(view))
	return nil
}

func (s *Server) epoch(w http.ResponseWriter, r *http.Request, _ string) error {
	after, wait, err := longPollParams(r)
	if err != nil {
		return err
	}
	if after != nil && wait > 0 {
		s.waitEpoch(r.Context(), *after, wait)
	}
	hash := ""
	if snap := s.svc.Snapshot(); snap != nil {
		hash = snap.Bundles().Hash()
	}
	ex := s.svc.Export()
	s.identify(w.Header(), ex.Generation)
	writeJSON(w, http.StatusOK, doc.NewMap(
		doc.Entry{Key: "epoch", Value: ex.Epoch},
		doc.Entry{Key: "bundles_hash", Value: hash},
	))
	return nil
}

// Identification headers of /epoch and /export: the publisher id deltas
// carry (gateways trust the sie-config they bootstrap from) and the
// generation of the epoch sequence (a change is a rewind, never missed).
const (
	HeaderRouterID   = "X-SIE-Router-Id"
	HeaderGeneration = "X-SIE-Config-Generation"
)

func (s *Server) identify(h http.Header, generation string) {
	h.Set(HeaderRouterID, s.svc.RouterID())
	h.Set(HeaderGeneration, generation)
}

func (s *Server) export(w http.ResponseWriter, r *http.Request, _ string) error {
	if _, err := s.registry(); err != nil {
		return err
	}
	ex := s.svc.Export()
	h := w.Header()
	s.identify(h, ex.Generation)
	etag := `"e` + strconv.FormatInt(ex.Epoch, 10) + `"`
	h.Set("ETag", etag)
	if noneMatch(r, etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Set("Content-Type", contentJSON)
	w.WriteHeader(http.StatusOK)
	writeExport(w, ex, time.Now())
	return nil
}

// writeExport streams the export one model at a time, so memory stays
// constant per model however large the registry. The envelope comes from
// the same ordered encoder as every other response: it is the encoding of
// an empty model list, cut open before its "]}".
func writeExport(w io.Writer, ex controlplane.Exported, now time.Time) {
	head := canonjson.Ordered(doc.NewMap(
		doc.Entry{Key: "snapshot_version", Value: int64(1)},
		doc.Entry{Key: "epoch", Value: ex.Epoch},
		doc.Entry{Key: "generated_at", Value: generatedAt(now)},
		doc.Entry{Key: "models", Value: []any{}},
	))
	bw := bufio.NewWriterSize(w, 64<<10)
	_, _ = bw.Write(head[:len(head)-2])
	if !renderEntries(bw, modelList(ex.Snapshot)) {
		return // the client went away
	}
	_, _ = bw.WriteString("]}")
	_ = bw.Flush()
}

// exportDocument is the effective document, with sie_id guaranteed (a
// seed declared through `name:` lacks it).
func exportDocument(m *catalog.Model) *doc.Map {
	d := m.Effective()
	if d.Has("sie_id") {
		return d
	}
	c := d.Clone()
	c.Prepend("sie_id", m.ID)
	return c
}

// generatedAt formats like Python's datetime.isoformat() in UTC.
func generatedAt(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05") + "+00:00"
	}
	return t.Format("2006-01-02T15:04:05.000000") + "+00:00"
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Server) resolve(w http.ResponseWriter, r *http.Request, _ string) error {
	snap, err := s.registry()
	if err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	req, err := decodeResolve(body)
	if err != nil {
		return err
	}
	bundle, name, bad := catalog.ParseModelSpec(req.model)
	if bad != "" {
		return invalidSpec(bad)
	}
	override := req.bundle
	if bundle != "" {
		override = &bundle
	}
	m, resolved, err := snap.Resolve(name, override)
	var conflict *catalog.BundleConflictError
	switch {
	case errors.Is(err, catalog.ErrModelNotFound):
		return codedError(http.StatusNotFound, "model_not_found", doc.Entry{Key: "model", Value: name}, msg("Model not found: "+name))
	case errors.As(err, &conflict):
		return codedError(http.StatusConflict, "bundle_conflict",
			doc.Entry{Key: "model", Value: name},
			doc.Entry{Key: "bundle", Value: conflict.Bundle},
			doc.Entry{Key: "compatible_bundles", Value: conflict.Compatible},
			msg("Bundle '"+conflict.Bundle+"' does not support model '"+name+"'. Compatible bundles: "+catalog.PyList(conflict.Compatible)))
	case err != nil:
		return err
	}
	writeJSON(w, http.StatusOK, doc.NewMap(
		doc.Entry{Key: "model", Value: name},
		doc.Entry{Key: "resolved_bundle", Value: resolved},
		doc.Entry{Key: "compatible_bundles", Value: m.Bundles()},
		doc.Entry{Key: "profiles", Value: nonNil(m.ProfileNames())},
	))
	return nil
}

type resolveRequest struct {
	model  string
	bundle *string
}

func invalidSpec(text string) error {
	return codedError(http.StatusBadRequest, "invalid_model_spec", msg(text))
}

func invalidJSON(text string) error {
	return codedError(http.StatusBadRequest, "parse_error", msg("Invalid JSON: "+text))
}

// decodeResolve parses the resolve body; every client mistake is a 400.
func decodeResolve(body []byte) (resolveRequest, error) {
	var req resolveRequest
	if !utf8.Valid(body) {
		return req, invalidJSON("body is not valid UTF-8")
	}
	var v any
	if len(bytes.TrimSpace(body)) == 0 {
		v = map[string]any{}
	} else {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return req, invalidJSON(err.Error())
		}
		if _, err := dec.Token(); err != io.EOF {
			return req, invalidJSON("extra data after the JSON value")
		}
		// Duplicate keys are an error, as in YAML bodies, not "last wins".
		if err := strictjson.CheckDuplicates(body); err != nil {
			return req, invalidJSON(err.Error())
		}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return req, invalidJSON("expected an object")
	}
	switch m := obj["model"].(type) {
	case nil:
		return req, codedError(http.StatusBadRequest, "missing_field", msg("'model' field is required"))
	case string:
		if m == "" {
			return req, codedError(http.StatusBadRequest, "missing_field", msg("'model' field is required"))
		}
		req.model = m
	default:
		return req, invalidSpec("'model' must be a string")
	}
	switch b := obj["bundle"].(type) {
	case nil:
	case string:
		req.bundle = &b
	default:
		return req, invalidSpec("'bundle' must be a string or null")
	}
	return req, nil
}
