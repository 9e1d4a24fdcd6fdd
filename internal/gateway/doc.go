// Package gateway is sie-gateway's config mirror (sie-gateway.md §2–3): an
// immutable snapshot of sie-config's bundles and models, swapped atomically,
// kept current by NATS deltas, resyncs from sie-config and an epoch poller.
//
// Every state change (delta apply, resync swap) is serialized by one state
// lock; HTTP readers load the current *State and never lock. The package
// knows nothing of NATS or HTTP serving: the server wires HandleDeltaMsg (the
// payload and its Sie-Config-Generation header) to the
// sie.config.models._all subscription and hands Snapshot to the API.
package gateway
