package gateway

import (
	"context"
	"time"
)

// runPoller compares sie-config's epoch and bundles_hash with the mirror
// every PollInterval (§3.3). It is the backstop for lost deltas and the
// only way a rewind (sie-config restarted without a store) is noticed.
func (m *Mirror) runPoller(ctx context.Context) {
	// A ticker drops the ticks it could not deliver, so a slow tick never
	// causes a burst. The first tick is one interval after start.
	t := time.NewTicker(m.cfg.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m.pollOnce(ctx)
	}
}

// pollOnce is one tick; it returns the trigger it requested ("" for none).
func (m *Mirror) pollOnce(ctx context.Context) string {
	if m.Busy() {
		return ""
	}
	// L before the request: a delta applied while it is in flight raises L
	// past the answer, which is then merely older than L, not a rewind.
	before := m.Snapshot().epoch
	remote, err := m.client.epoch(ctx)
	if err != nil {
		if ctx.Err() == nil {
			m.log.Warn("config epoch poll failed", "err", err)
		}
		return ""
	}
	trigger := driftTrigger(before, m.Snapshot(), remote)
	if trigger != "" {
		local := m.Snapshot()
		m.log.Info("config drift detected", "trigger", trigger, "local_epoch", local.epoch, "remote_epoch", remote.Epoch,
			"local_generation", local.generation, "remote_generation", remote.Generation,
			"local_bundles_hash", local.bundlesHash, "remote_bundles_hash", remote.BundlesHash)
		m.RequestResync(trigger)
	}
	return trigger
}

// driftTrigger compares in the order of §3.3, after the generation: epochs
// of two generations cannot be compared, so another generation is drift
// whatever the numbers say (a sie-config that restarted at 0 and wrote its
// way back to L). A rewind is an answer below the L held before the request
// (before); an answer between that and the current L only predates deltas
// applied meanwhile. An empty remote hash means sie-config's registry is
// unavailable and is never drift; an empty remote generation is a
// sie-config that does not send one.
func driftTrigger(before uint64, local *State, remote RemoteEpoch) string {
	switch {
	case remote.Generation != "" && remote.Generation != local.generation:
		return TriggerGeneration
	case remote.Epoch < before:
		return TriggerRewind
	case remote.Epoch > local.epoch:
		return TriggerPollEpoch
	case remote.BundlesHash != "" && remote.BundlesHash != local.bundlesHash:
		return TriggerPollHash
	}
	return ""
}
