// Package catalog is the config-side domain core: bundles, model documents,
// the registry snapshot, lookup and resolve, the model-id rule, validation
// and the write plans, bundles_hash and the config-side bundle_config_hash.
// It imports no HTTP, NATS or store code; what workers make of a document
// lives in workerview.
package catalog
