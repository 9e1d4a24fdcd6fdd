package controlplane

import (
	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/doc"
)

// delta is one NATS payload and the bundle it targets ("" = _all only).
type delta struct {
	bundle string
	data   []byte
}

// payloadFields are the per-write parts of every payload of one change.
type payloadFields struct {
	routerID      string
	epoch         int64
	modelID       string
	profilesAdded []string
	modelConfig   string
	affected      []string
	deleted       bool
}

// encodePayload writes the payload with its keys in the contract order
// (sie-config.md §9.2); `deleted` is a ninth key on removals only.
func encodePayload(f payloadFields, bundle, hash string) []byte {
	m := doc.NewMap(
		doc.Entry{Key: "router_id", Value: f.routerID},
		doc.Entry{Key: "bundle_id", Value: bundle},
		doc.Entry{Key: "epoch", Value: f.epoch},
		doc.Entry{Key: "bundle_config_hash", Value: hash},
		doc.Entry{Key: "model_id", Value: f.modelID},
		doc.Entry{Key: "profiles_added", Value: nonNil(f.profilesAdded)},
		doc.Entry{Key: "model_config", Value: f.modelConfig},
		doc.Entry{Key: "affected_bundles", Value: nonNil(f.affected)},
	)
	if f.deleted {
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
