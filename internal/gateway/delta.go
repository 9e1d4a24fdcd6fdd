package gateway

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/sieproject/sie/internal/strictjson"
)

// Delta kinds, the `kind` label of sie_gateway_config_deltas_total.
const (
	KindModelAdded   = "model_added"
	KindModelRemoved = "model_removed"
	KindEpochBump    = "epoch_bump"
	KindUnknown      = "unknown"
)

// Delta results, the `result` label.
const (
	ResultApplied           = "applied"
	ResultParseError        = "parse_error"
	ResultApplyError        = "apply_error"
	ResultRejectedUntrusted = "rejected_untrusted"
	ResultDuplicate         = "duplicate"
	ResultStale             = "stale"
	ResultGap               = "gap"
	ResultBuffered          = "buffered"
	ResultInvalidEnvelope   = "invalid_envelope"
	// ResultOtherGeneration: the delta comes from another generation of
	// sie-config than the mirror's; it is not applied and a resync follows.
	ResultOtherGeneration = "other_generation"
)

// envelope is a decoded NATS payload (sie-gateway.md §3.4).
type envelope struct {
	Producer    string
	BundleID    string
	Epoch       uint64
	ModelID     string
	ModelConfig string
	Deleted     bool
}

// wireEnvelope mirrors the payload keys; pointers tell absent (or null)
// from empty. Unknown keys are ignored.
type wireEnvelope struct {
	RouterID         *string `json:"router_id"`
	ProducerID       *string `json:"producer_id"`
	BundleID         *string `json:"bundle_id"`
	Epoch            *uint64 `json:"epoch"`
	BundleConfigHash *string `json:"bundle_config_hash"`
	ModelID          *string `json:"model_id"`
	ModelConfig      *string `json:"model_config"`
	Deleted          *bool   `json:"deleted"`
}

var errInvalidEnvelope = errors.New("invalid delta envelope")

// parseEnvelope decodes a payload. router_id (alias producer_id), bundle_id,
// a non-negative integer epoch and bundle_config_hash are required; a value
// of the wrong type anywhere makes the envelope invalid.
func parseEnvelope(data []byte) (envelope, error) {
	var w wireEnvelope
	if len(data) == 0 || data[0] != '{' {
		return envelope{}, errInvalidEnvelope
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return envelope{}, errInvalidEnvelope
	}
	// Two router_id (or epoch) keys must not let a later one override what
	// a reader of the first would believe.
	if strictjson.CheckDuplicates(data) != nil {
		return envelope{}, errInvalidEnvelope
	}
	producer := w.RouterID
	if producer == nil {
		producer = w.ProducerID
	}
	if producer == nil || w.BundleID == nil || w.Epoch == nil || w.BundleConfigHash == nil {
		return envelope{}, errInvalidEnvelope
	}
	e := envelope{Producer: *producer, BundleID: *w.BundleID, Epoch: *w.Epoch}
	if w.ModelID != nil {
		e.ModelID = *w.ModelID
	}
	if w.ModelConfig != nil {
		e.ModelConfig = *w.ModelConfig
	}
	if w.Deleted != nil {
		e.Deleted = *w.Deleted
	}
	return e, nil
}

// kind classifies the delta: a document wins over `deleted` (a DELETE that
// reverts a model to its seed carries both), a removal needs a model id.
func (e *envelope) kind() string {
	switch {
	case strings.TrimSpace(e.ModelConfig) != "":
		return KindModelAdded
	case e.Deleted && e.ModelID != "":
		return KindModelRemoved
	}
	return KindEpochBump
}
