package configapi

import (
	"errors"
	"net/http"

	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/controlplane"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/yamldoc"
)

// httpError is an error that already knows its status and `detail` value.
type httpError struct {
	status int
	detail any // string or *doc.Map
	allow  string
}

func (e *httpError) Error() string { return http.StatusText(e.status) }

func detailError(status int, msg string) error { return &httpError{status: status, detail: msg} }

// codedError builds {"detail":{"error":code, ...kv..., "message":msg}}.
func codedError(status int, code string, kv ...doc.Entry) error {
	m := doc.NewMap(doc.Entry{Key: "error", Value: code})
	for _, e := range kv {
		m.Set(e.Key, e.Value)
	}
	return &httpError{status: status, detail: m}
}

func msg(text string) doc.Entry { return doc.Entry{Key: "message", Value: text} }

func validationError(text string) error {
	details := []any{doc.NewMap(doc.Entry{Key: "message", Value: text})}
	return codedError(http.StatusUnprocessableEntity, "validation_error", doc.Entry{Key: "details", Value: details})
}

var (
	errNotFound         = detailError(http.StatusNotFound, "Not Found")
	errInternal         = detailError(http.StatusInternalServerError, "Internal Server Error")
	errBodyTooLarge     = codedError(http.StatusRequestEntityTooLarge, "payload_too_large", msg("Config body exceeds 1048576 bytes limit."))
	errNATSUnavailable  = codedError(http.StatusServiceUnavailable, "nats_unavailable", msg("NATS not connected -- cannot distribute config changes."))
	errIdempotencyReuse = codedError(http.StatusUnprocessableEntity, "idempotency_mismatch", msg("Idempotency-Key reused with different payload."))
	// The cache holds up to 1,000 keys: bounding each bounds it.
	errIdempotencyKeyTooLong = codedError(http.StatusBadRequest, "invalid_idempotency_key", msg("Idempotency-Key is longer than 255 bytes."))
	errRegistry              = codedError(http.StatusServiceUnavailable, "registry_unavailable", msg(controlplane.RegistryUnavailableError{}.Error()))
)

func modelNotFound(id string) error {
	return codedError(http.StatusNotFound, "model_not_found",
		doc.Entry{Key: "model_id", Value: id}, msg("Model '"+id+"' does not exist in the catalog."))
}

// toHTTP maps every error the API can meet to its status and envelope. It is
// the single place where domain errors become HTTP.
func toHTTP(err error) *httpError {
	var (
		he  *httpError
		ve  *catalog.ValidationError
		ie  *catalog.InvalidIDError
		ce  *catalog.ConflictError
		pe  *yamldoc.ParseError
		ge  *yamldoc.GuardError
		se  *controlplane.StoreError
		pl  *controlplane.PayloadTooLargeError
		nf  *controlplane.ModelNotFoundError
		pf  *controlplane.PreconditionFailedError
		us  *controlplane.UnservableError
		reg controlplane.RegistryUnavailableError
	)
	switch {
	case errors.As(err, &he):
		return he
	case errors.As(err, &ve):
		return validationError(ve.Message).(*httpError)
	case errors.As(err, &ge):
		return validationError(ge.Message).(*httpError)
	case errors.As(err, &ie):
		return codedError(http.StatusBadRequest, "invalid_model_id", msg(ie.Message)).(*httpError)
	case errors.As(err, &pe):
		return codedError(http.StatusBadRequest, "parse_error", msg(pe.Message)).(*httpError)
	case errors.As(err, &ce):
		return conflictError(ce).(*httpError)
	case errors.As(err, &se):
		return codedError(http.StatusServiceUnavailable, "store_unavailable", msg(se.Message)).(*httpError)
	case errors.As(err, &pl):
		return codedError(http.StatusRequestEntityTooLarge, "payload_too_large", msg(pl.Error())).(*httpError)
	case errors.As(err, &nf):
		return modelNotFound(nf.ID).(*httpError)
	case errors.As(err, &pf):
		var current any
		if pf.CurrentETag != nil {
			current = *pf.CurrentETag
		}
		return codedError(http.StatusPreconditionFailed, "precondition_failed",
			doc.Entry{Key: "model_id", Value: pf.ModelID},
			doc.Entry{Key: "current_etag", Value: current},
			msg(pf.Error())).(*httpError)
	case errors.As(err, &us):
		return unservableError(us).(*httpError)
	case errors.As(err, &reg):
		return errRegistry.(*httpError)
	}
	if he := historyErrors(err); he != nil {
		return he
	}
	return errInternal.(*httpError)
}

// unservableError is the 422 of SIE_CONFIG_REQUIRE_SERVABLE: one details
// entry per reason of the worker view.
func unservableError(us *controlplane.UnservableError) error {
	details := make([]any, 0, len(us.Reasons))
	for _, r := range us.Reasons {
		details = append(details, doc.NewMap(doc.Entry{Key: "message", Value: "Workers cannot serve this document: " + r}))
	}
	return codedError(http.StatusUnprocessableEntity, "validation_error", doc.Entry{Key: "details", Value: details})
}

func conflictError(ce *catalog.ConflictError) error {
	entries := []doc.Entry{{Key: "model_id", Value: ce.ModelID}}
	if ce.Fields != nil {
		entries = append(entries, doc.Entry{Key: "conflicting_fields", Value: ce.Fields})
	} else {
		entries = append(entries, doc.Entry{Key: "conflicting_profiles", Value: ce.Profiles})
	}
	entries = append(entries, msg(ce.Error()))
	return codedError(http.StatusConflict, "content_conflict", entries...)
}

// errorBody renders the envelope.
func errorBody(he *httpError) []byte {
	return canonjson.Ordered(doc.NewMap(doc.Entry{Key: "detail", Value: he.detail}))
}
