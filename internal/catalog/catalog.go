// Package catalog is the domain core: bundles, model documents, the registry
// snapshot, validation rules and the canonical hashes. It imports no HTTP,
// NATS or store code.
package catalog
