package gateway

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/sieproject/sie/internal/configdelta"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/logging"
	"github.com/sieproject/sie/internal/yamldoc"
)

// delta is one received message, decoded and (for model_added) parsed once,
// so a buffered delta can be replayed without parsing again.
type delta struct {
	env        configdelta.Payload
	kind       string
	generation string // the Sie-Config-Generation header ("" when absent)
	size       int    // payload bytes, for the replay buffer's cap
	doc        *doc.Map
	parseErr   error
}

// bufferedDelta is a delta received while a resync attempt was executing.
type bufferedDelta = delta

var (
	errParse = errors.New("model_config does not parse")
	errApply = errors.New("model_config cannot be applied")
)

// HandleDelta processes one message of sie.config.models._all (§3.4) that
// carries no generation header. Messages must be handed over one at a
// time, in delivery order.
func (m *Mirror) HandleDelta(data []byte) { m.HandleDeltaMsg(data, "") }

// HandleDeltaMsg processes one message with its Sie-Config-Generation
// header. With a config URL, a delta of another generation than the
// mirror's is never applied: it is drift, and a resync follows at once.
func (m *Mirror) HandleDeltaMsg(data []byte, generation string) {
	if f := m.cfg.DeltaFilter; f != nil && !f(data) {
		return
	}
	env, err := configdelta.Decode(data)
	if err != nil {
		m.metrics.Deltas.WithLabelValues(KindUnknown, ResultInvalidEnvelope).Inc()
		m.warnings.Log(m.log, slog.LevelWarn, "dropping invalid config delta", "bytes", len(data))
		return
	}
	d := delta{env: env, kind: kindOf(&env), generation: generation, size: len(data)}
	if !m.trusts(env.RouterID) {
		m.metrics.Deltas.WithLabelValues(d.kind, ResultRejectedUntrusted).Inc()
		m.warnings.Log(m.log, slog.LevelWarn,
			"rejecting config delta from an untrusted producer; to trust it, add its router_id to SIE_NATS_CONFIG_TRUSTED_PRODUCERS",
			append(deltaFields(&d), "trusted", m.trustedList())...)
		return
	}
	if d.kind == KindModelAdded {
		// Parsed outside the state lock: it is the expensive part. The text
		// is not needed once parsed (a buffered delta keeps the document
		// only, which halves what a flood during a resync can hold).
		d.doc, d.parseErr = yamldoc.Parse([]byte(env.ModelConfig))
		d.env.ModelConfig = ""
	}

	m.mu.Lock()
	prev := m.snap.Load()
	sameGeneration := m.client == nil || generation == prev.generation
	var next *State
	var result, trigger string
	var applyErr error
	switch {
	case m.resyncing:
		// The content applies now (only within the mirror's generation); the
		// epoch is settled when the attempt's state is swapped in and this
		// delta is replayed on it.
		next = prev
		if sameGeneration {
			next, _ = applyContent(prev, &d)
		}
		result = ResultBuffered
		m.bufferLocked(d)
	case !sameGeneration:
		next, result, trigger = prev, ResultOtherGeneration, TriggerGeneration
	default:
		next, result, trigger, applyErr = step(prev, &d)
	}
	m.publish(prev, next)
	if trigger != "" {
		m.RequestResync(trigger)
	}
	m.mu.Unlock()

	m.metrics.Deltas.WithLabelValues(d.kind, result).Inc()
	m.logDelta(&d, result, next.epoch, applyErr)
}

// bufferLocked keeps d for replay after the attempt's swap. The buffer is
// capped in messages and in bytes; overflowing the byte cap aborts the
// attempt, which restarts (a replay with holes would be wrong, and a flood
// must not grow memory). The caller holds mu.
func (m *Mirror) bufferLocked(d delta) {
	if m.overflowed {
		return
	}
	if m.bufferBytes+d.size > m.cfg.BufferBytes {
		m.overflowed = true
		m.buffer, m.bufferBytes = nil, 0
		if m.abort != nil {
			m.abort()
		}
		m.warnings.Log(m.log, slog.LevelWarn, "config deltas received during a resync overflow the replay buffer; the resync restarts",
			"buffer_bytes", m.cfg.BufferBytes)
		return
	}
	if len(m.buffer) == maxBuffered {
		m.bufferBytes -= m.buffer[0].size
		m.buffer = m.buffer[1:]
	}
	m.buffer = append(m.buffer, d)
	m.bufferBytes += d.size
}

// deltaFields are a delta's log fields, each truncated: payload text is
// attacker-sized.
func deltaFields(d *delta) []any {
	t := func(s string) string { return logging.Truncate(s, logging.MaxFieldBytes) }
	return []any{"kind", d.kind, "epoch", d.env.Epoch, "model_id", t(d.env.ModelID),
		"bundle_id", t(d.env.BundleID), "router_id", t(d.env.RouterID), "generation", t(d.generation)}
}

func (m *Mirror) logDelta(d *delta, result string, local uint64, err error) {
	args := append(deltaFields(d), "result", result, "local_epoch", local)
	switch result {
	case ResultParseError, ResultApplyError:
		m.warnings.Log(m.log, slog.LevelWarn, "config delta not applied; resync requested",
			append(args, "err", logging.Truncate(fmt.Sprint(err), logging.MaxFieldBytes))...)
	case ResultGap:
		m.warnings.Log(m.log, slog.LevelWarn, "config delta skips an epoch; resync requested", args...)
	case ResultOtherGeneration:
		m.warnings.Log(m.log, slog.LevelWarn, "config delta from another sie-config generation (it restarted or its store was reset); resync requested",
			append(args, "mirror_generation", m.Snapshot().generation)...)
	default:
		m.log.Debug("config delta", args...)
	}
}

// step applies the epoch rules of §3.4 (D3i) to st: L+1 applies, L is a
// duplicate, lower is stale, a skip applies the content but leaves L and
// asks for a resync. It returns the next state, the result label and the
// resync trigger to request ("" for none), and why an L+1 delta failed.
func step(st *State, d *delta) (*State, string, string, error) {
	e, local := d.env.Epoch, st.epoch
	switch {
	case e < local:
		return st, ResultStale, "", nil
	case e == local:
		return st, ResultDuplicate, "", nil
	case e == local+1:
		next, err := applyContent(st, d)
		switch {
		case errors.Is(err, errParse):
			return st, ResultParseError, TriggerApplyError, err
		case err != nil:
			return st, ResultApplyError, TriggerApplyError, err
		}
		return next.withEpoch(e), ResultApplied, "", nil
	}
	next, _ := applyContent(st, d) // best effort: it is the newest document for that model
	return next, ResultGap, TriggerGap, nil
}

// applyContent replaces or removes the model the delta names. Deltas carry
// complete documents, so every apply is a replace.
func applyContent(st *State, d *delta) (*State, error) {
	switch d.kind {
	case KindModelAdded:
		if d.parseErr != nil {
			return st, fmt.Errorf("%w: %v", errParse, d.parseErr)
		}
		mdl, err := modelFromDocument(Document{ModelID: d.env.ModelID, Doc: d.doc}, st.bundles)
		if err != nil {
			return st, fmt.Errorf("%w: %v", errApply, err)
		}
		return st.withModel(mdl), nil
	case KindModelRemoved:
		return st.withoutModel(d.env.ModelID), nil
	}
	return st, nil
}
