package gateway

import (
	"context"
	"errors"
	"runtime/debug"
	"time"
)

// Resync triggers, the `trigger` label of sie_gateway_config_resyncs_total.
const (
	TriggerStartup    = "startup"
	TriggerPollEpoch  = "poll_epoch"
	TriggerRewind     = "rewind"
	TriggerPollHash   = "poll_hash"
	TriggerGap        = "gap"
	TriggerApplyError = "apply_error"
	// TriggerGeneration: a poll or a delta showed another generation of
	// sie-config (a restart without a store, a reset store): a rewind that
	// the epochs alone might not show.
	TriggerGeneration = "generation"
)

// RequestResync asks for a resync. Requests coalesce: at most one attempt
// runs, and any number of requests arriving meanwhile cause one follow-up.
// Without a config URL it does nothing.
func (m *Mirror) RequestResync(trigger string) {
	if m.client == nil {
		return
	}
	m.reqMu.Lock()
	if m.pending == "" {
		m.pending = trigger
	}
	m.reqMu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default: // already queued
	}
}

// Busy reports whether a resync is running, waiting for its retry, or
// queued: the poller then has nothing to add.
func (m *Mirror) Busy() bool { return m.running.Load() || len(m.wake) > 0 }

// takePending consumes the queued request, if any, and returns its trigger.
func (m *Mirror) takePending() string {
	m.reqMu.Lock()
	defer m.reqMu.Unlock()
	select {
	case <-m.wake:
	default:
	}
	t := m.pending
	m.pending = ""
	return t
}

// runResyncs executes requests one at a time, retrying a failed attempt
// with exponential backoff until one succeeds.
func (m *Mirror) runResyncs(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.wake:
		}
		trigger := m.takePending()
		if trigger == "" {
			continue // a late token for a request an earlier attempt served
		}
		m.running.Store(true)
		backoff := m.cfg.BackoffInitial
		for {
			if !m.paceStart(ctx) {
				return
			}
			if t := m.takePending(); t != "" {
				trigger = t
			}
			err := m.attempt(ctx, trigger)
			if ctx.Err() != nil {
				return
			}
			if err == nil {
				m.metrics.Resyncs.WithLabelValues(trigger, "success").Inc()
				m.recovered()
				break
			}
			m.metrics.Resyncs.WithLabelValues(trigger, "failure").Inc()
			if errors.Is(err, errBufferOverflow) || errors.Is(err, errGenerationChanged) {
				// Nothing is wrong with sie-config: start over at once (paced).
				m.log.Warn("config resync restarts", "trigger", trigger, "reason", err)
				continue
			}
			m.failed(err, trigger, backoff)
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			backoff = min(2*backoff, m.cfg.BackoffMax)
		}
		m.running.Store(false)
	}
}

// paceStart waits until at least ResyncInterval has passed since the last
// attempt started, so no trigger, hostile or not, can start more than one
// attempt per interval. It reports false when ctx ends.
func (m *Mirror) paceStart(ctx context.Context) bool {
	if wait := time.Until(m.lastStart.Add(m.cfg.ResyncInterval)); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
	}
	m.lastStart = time.Now()
	return true
}

// bulkResync is the number of models from which a resync returns its
// garbage to the OS once it has swapped the new state in.
const bulkResync = 1000

// errBufferOverflow aborts an attempt whose replay buffer overflowed.
var errBufferOverflow = errors.New("the deltas received during the resync overflowed the replay buffer")

// attempt is one resync (§3.2): fetch everything, build the new state
// off-line, then swap it in and replay the deltas buffered meanwhile. A
// failed attempt changes nothing.
func (m *Mirror) attempt(ctx context.Context, trigger string) error {
	actx, abort := context.WithCancel(ctx)
	defer abort()
	m.mu.Lock()
	m.resyncing, m.buffer, m.bufferBytes, m.overflowed, m.abort = true, nil, 0, false, abort
	m.mu.Unlock()

	f, err := fetchAll(actx, m.client)
	if err == nil && f.state.Len() >= bulkResync {
		// The export's text, its parse trees, the build's copies and, once
		// swapped out, the previous state are garbage, several times what
		// the mirror keeps: hand them back to the OS instead of holding the
		// peak (the collector alone would keep the heap near it). After the
		// swap, so the mirror serves at once and the old state is freed too.
		defer func() { go debug.FreeOSMemory() }()
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	buffered, overflowed := m.buffer, m.overflowed
	m.resyncing, m.buffer, m.bufferBytes, m.overflowed, m.abort = false, nil, 0, false, nil
	if overflowed {
		return errBufferOverflow
	}
	if err != nil {
		// The buffered deltas were already applied to the current state.
		return err
	}
	m.learnSource(f.routerID)
	prev := m.snap.Load()
	next := f.state
	exportEpoch := next.epoch
	var followUp string
	for i := range buffered {
		d := &buffered[i]
		if d.env.Epoch <= exportEpoch || d.generation != next.generation {
			continue
		}
		var trig string
		next, _, trig, _ = step(next, d)
		if trig != "" && followUp == "" {
			followUp = trig
		}
	}
	m.publish(prev, next)
	if followUp != "" {
		m.RequestResync(followUp)
	}
	m.ready.Store(true)
	m.reportSkipped(f.skipped)
	m.log.Info("config resync applied", "trigger", trigger, "epoch", next.epoch, "export_epoch", exportEpoch,
		"previous_epoch", prev.epoch, "generation", next.generation, "previous_generation", prev.generation,
		"bundles", len(next.Bundles()), "models", next.Len(),
		"skipped", len(f.skipped), "replayed", len(buffered), "bundles_hash", next.bundlesHash)
	return nil
}

// reportSkipped logs each skipped export entry and updates the skip metrics.
func (m *Mirror) reportSkipped(skipped []skippedEntry) {
	for _, s := range skipped {
		m.log.Warn("skipping export entry", "model_id", s.ModelID, "reason", s.Reason)
	}
	m.metrics.ExportSkippedTotal.Add(float64(len(skipped)))
	m.metrics.ExportSkipped.Set(float64(len(skipped)))
}
