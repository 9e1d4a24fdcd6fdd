// Package workers is sie-gateway's worker registry (sie-gateway.md §7):
// static discovery, one WebSocket status client per worker, workers
// discovered by their NATS heartbeats (extensions E6), status parsing, the
// health state machine and the per-bundle views the API reads.
//
// It is built for many workers each pushing a status frame every 200 ms:
// frames are read into a reused buffer and scanned in place without
// building a generic JSON tree, a frame that changes nothing the gateway
// shows only refreshes the heartbeat, and readers load immutable per-worker
// snapshots and a cached per-bundle view without locking.
package workers
