package configapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/sieproject/sie/internal/controlplane"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/store/journal"
)

// Model history and rollback (extensions E8).
const (
	historySuffix  = "/history"
	rollbackSuffix = "/rollback"

	// DefaultHistoryLimit and MaxHistoryLimit bound ?limit= of a history
	// read (each entry carries a whole document).
	DefaultHistoryLimit = 100
	MaxHistoryLimit     = 1000
)

// getHistory answers GET /v1/configs/models/{id}/history?limit=N:
// {"model_id","entries":[{"epoch","op","at","token_id","raw_yaml"}]},
// newest first. A model whose own id ends in /history (valid since v0.3.1)
// is still read at that path: an existing model wins over the history
// route.
func (s *Server) getHistory(w http.ResponseWriter, r *http.Request, id string) error {
	if full := id + historySuffix; s.modelExists(full) {
		return s.getModel(w, r, full)
	}
	limit, err := historyLimit(r)
	if err != nil {
		return err
	}
	if _, err := s.registry(); err != nil {
		return err
	}
	modelID, entries, err := s.svc.History(r.Context(), id, limit)
	if err != nil {
		return err
	}
	list := make([]any, 0, len(entries))
	for _, e := range entries {
		var token, raw any
		if e.TokenID != "" {
			token = e.TokenID
		}
		if e.RawYAML != nil {
			raw = string(e.RawYAML)
		}
		list = append(list, doc.NewMap(
			doc.Entry{Key: "epoch", Value: e.Epoch},
			doc.Entry{Key: "op", Value: e.Op},
			doc.Entry{Key: "at", Value: journal.FormatTime(e.At)},
			doc.Entry{Key: "token_id", Value: token},
			doc.Entry{Key: "raw_yaml", Value: raw},
		))
	}
	writeJSON(w, http.StatusOK, doc.NewMap(
		doc.Entry{Key: "model_id", Value: modelID},
		doc.Entry{Key: "entries", Value: list},
	))
	return nil
}

// modelExists reports whether GET /v1/configs/models/{id} would find id.
func (s *Server) modelExists(id string) bool {
	_, err := s.svc.Find(id)
	return err == nil
}

// historyLimit reads ?limit= (default DefaultHistoryLimit, capped at
// MaxHistoryLimit).
func historyLimit(r *http.Request) (int, error) {
	vals, ok := r.URL.Query()["limit"]
	if !ok {
		return DefaultHistoryLimit, nil
	}
	n, err := strconv.Atoi(vals[len(vals)-1])
	if err != nil || n < 1 {
		return 0, codedError(http.StatusBadRequest, "invalid_parameter", msg("Query parameter limit must be a positive integer."))
	}
	return min(n, MaxHistoryLimit), nil
}

// postRollback answers POST /v1/configs/models/{id}/rollback?to_epoch=E:
// the model's document as of epoch E is restored through the PUT pipeline
// (or removed through the DELETE pipeline), and the answer is that write's.
func (s *Server) postRollback(w http.ResponseWriter, r *http.Request, id string) error {
	toEpoch, err := rollbackEpoch(r)
	if err != nil {
		return err
	}
	return s.handleWrite(w, r, "config.rollback_model", func(ctx context.Context, wr *writeRequest) (int, *doc.Map, string, error) {
		res, err := s.svc.Rollback(ctx, id, toEpoch, wr.opts)
		if err != nil {
			return 0, nil, "", err
		}
		if res.Delete != nil {
			return http.StatusOK, s.deleteAnswer(res.Delete, wr.opts), id, nil
		}
		status, body := s.replaceAnswer(res.Replace, wr.opts)
		return status, body, id, nil
	})
}

// rollbackEpoch reads the required ?to_epoch=, a non-negative integer.
func rollbackEpoch(r *http.Request) (int64, error) {
	vals, ok := r.URL.Query()["to_epoch"]
	if !ok {
		return 0, codedError(http.StatusBadRequest, "invalid_parameter", msg("Query parameter to_epoch is required."))
	}
	n, err := strconv.ParseInt(vals[len(vals)-1], 10, 64)
	if err != nil || n < 0 {
		return 0, codedError(http.StatusBadRequest, "invalid_parameter", msg("Query parameter to_epoch must be a non-negative integer."))
	}
	return n, nil
}

// isRollback reports a rollback request (it takes If-Match like a PUT).
func isRollback(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, rollbackSuffix)
}

// fingerprintTarget is what an Idempotency-Key fingerprint covers besides
// the method and body: the path, and a rollback's target epoch (two
// rollbacks to different epochs are different requests).
func fingerprintTarget(r *http.Request) string {
	if isRollback(r) {
		vals := r.URL.Query()["to_epoch"]
		if len(vals) > 0 {
			return r.URL.Path + "?to_epoch=" + vals[len(vals)-1]
		}
	}
	return r.URL.Path
}

// historyErrors maps the history errors of the controlplane (called from
// toHTTP).
func historyErrors(err error) *httpError {
	var (
		hu controlplane.HistoryUnavailableError
		en *controlplane.EpochNotFoundError
	)
	switch {
	case errors.As(err, &hu):
		return codedError(http.StatusNotImplemented, "history_unavailable", msg(hu.Error())).(*httpError)
	case errors.As(err, &en):
		return codedError(http.StatusNotFound, "epoch_not_found",
			doc.Entry{Key: "model_id", Value: en.ModelID},
			doc.Entry{Key: "to_epoch", Value: en.Epoch},
			doc.Entry{Key: "current_epoch", Value: en.Current},
			msg(en.Error())).(*httpError)
	}
	return nil
}
