// Package configdelta is the config delta sie-config announces on NATS after
// every write: the one Payload type that sie-config encodes and gateways
// decode (tests build theirs with it too), its encoding with the keys in
// the contract's order, and the reading every gateway applies.
package configdelta

import (
	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/doc"
)

// Payload is one delta message. A change is announced once per target
// bundle on sie.config.models.{bundle}, with the same bytes on
// sie.config.models._all.
type Payload struct {
	// RouterID names the publisher; readers also accept it as producer_id.
	RouterID string
	// BundleID is the target bundle ("" for a change that maps to none,
	// announced on _all only).
	BundleID string
	Epoch    uint64
	// BundleConfigHash is the config-side bundle_config_hash of BundleID
	// after the change.
	BundleConfigHash string
	ModelID          string
	ProfilesAdded    []string
	// ModelConfig is the model's complete document after the change; ""
	// when the model is gone.
	ModelConfig     string
	AffectedBundles []string
	// Deleted marks a DELETE; it is written only when true.
	Deleted bool
}

// Encode writes the payload as compact JSON with its keys in the contract
// order: router_id, bundle_id, epoch, bundle_config_hash, model_id,
// profiles_added, model_config, affected_bundles, then deleted on removals
// only. Nil lists are written as [].
func (p *Payload) Encode() []byte {
	m := doc.NewMap(
		doc.Entry{Key: "router_id", Value: p.RouterID},
		doc.Entry{Key: "bundle_id", Value: p.BundleID},
		doc.Entry{Key: "epoch", Value: p.Epoch},
		doc.Entry{Key: "bundle_config_hash", Value: p.BundleConfigHash},
		doc.Entry{Key: "model_id", Value: p.ModelID},
		doc.Entry{Key: "profiles_added", Value: nonNil(p.ProfilesAdded)},
		doc.Entry{Key: "model_config", Value: p.ModelConfig},
		doc.Entry{Key: "affected_bundles", Value: nonNil(p.AffectedBundles)},
	)
	if p.Deleted {
		m.Set("deleted", true)
	}
	return canonjson.Ordered(m)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
