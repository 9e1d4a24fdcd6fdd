package gateway

import (
	"strings"

	"github.com/sieproject/sie/internal/configdelta"
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

// kind classifies the delta: a document wins over `deleted` (a DELETE that
// reverts a model to its seed carries both), a removal needs a model id.
func kindOf(p *configdelta.Payload) string {
	switch {
	case strings.TrimSpace(p.ModelConfig) != "":
		return KindModelAdded
	case p.Deleted && p.ModelID != "":
		return KindModelRemoved
	}
	return KindEpochBump
}
