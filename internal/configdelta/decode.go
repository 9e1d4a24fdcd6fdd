package configdelta

import (
	"encoding/json"
	"errors"

	"github.com/sieproject/sie/internal/strictjson"
)

// ErrInvalid reports a message that is not a delta a gateway can read.
var ErrInvalid = errors.New("invalid delta envelope")

// wirePayload mirrors the payload keys; pointers tell absent (or null) from
// empty. The two lists are informative: a gateway does not check them, so
// they are read only when they are lists of strings. Unknown keys are
// ignored.
type wirePayload struct {
	RouterID         *string         `json:"router_id"`
	ProducerID       *string         `json:"producer_id"`
	BundleID         *string         `json:"bundle_id"`
	Epoch            *uint64         `json:"epoch"`
	BundleConfigHash *string         `json:"bundle_config_hash"`
	ModelID          *string         `json:"model_id"`
	ProfilesAdded    json.RawMessage `json:"profiles_added"`
	AffectedBundles  json.RawMessage `json:"affected_bundles"`
	ModelConfig      *string         `json:"model_config"`
	Deleted          *bool           `json:"deleted"`
}

// Decode reads a payload the way a gateway does (sie-gateway.md §3.4):
// router_id (alias producer_id), bundle_id, a non-negative integer epoch
// and bundle_config_hash are required; a value of the wrong type anywhere,
// or a key given twice, makes the message ErrInvalid. Absent optional keys
// read as empty; profiles_added and affected_bundles read as empty unless
// they are lists of strings, and never make a message invalid.
func Decode(data []byte) (Payload, error) {
	var w wirePayload
	if len(data) == 0 || data[0] != '{' {
		return Payload{}, ErrInvalid
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return Payload{}, ErrInvalid
	}
	// Two router_id (or epoch) keys must not let a later one override what
	// a reader of the first would believe.
	if strictjson.CheckDuplicates(data) != nil {
		return Payload{}, ErrInvalid
	}
	producer := w.RouterID
	if producer == nil {
		producer = w.ProducerID
	}
	if producer == nil || w.BundleID == nil || w.Epoch == nil || w.BundleConfigHash == nil {
		return Payload{}, ErrInvalid
	}
	p := Payload{RouterID: *producer, BundleID: *w.BundleID, Epoch: *w.Epoch, BundleConfigHash: *w.BundleConfigHash}
	if w.ModelID != nil {
		p.ModelID = *w.ModelID
	}
	p.ProfilesAdded = stringList(w.ProfilesAdded)
	p.AffectedBundles = stringList(w.AffectedBundles)
	if w.ModelConfig != nil {
		p.ModelConfig = *w.ModelConfig
	}
	if w.Deleted != nil {
		p.Deleted = *w.Deleted
	}
	return p, nil
}

// stringList reads an informative list: nil unless raw is a list of
// strings.
func stringList(raw json.RawMessage) []string {
	var out []string
	if len(raw) == 0 || json.Unmarshal(raw, &out) != nil {
		return nil
	}
	return out
}
