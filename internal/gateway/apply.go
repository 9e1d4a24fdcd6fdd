package gateway

import (
	"errors"
	"fmt"

	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/yamldoc"
)

// delta is one received message, decoded and (for model_added) parsed once,
// so a buffered delta can be replayed without parsing again.
type delta struct {
	env      envelope
	kind     string
	doc      *doc.Map // model_added only
	parseErr error
}

// bufferedDelta is a delta received while a resync attempt was executing.
type bufferedDelta = delta

var (
	errParse = errors.New("model_config does not parse")
	errApply = errors.New("model_config cannot be applied")
)

// HandleDelta processes one message of sie.config.models._all (§3.4).
// Messages must be handed over one at a time, in delivery order.
func (m *Mirror) HandleDelta(data []byte) {
	if f := m.cfg.DeltaFilter; f != nil && !f(data) {
		return
	}
	env, err := parseEnvelope(data)
	if err != nil {
		m.metrics.Deltas.WithLabelValues(KindUnknown, ResultInvalidEnvelope).Inc()
		m.log.Warn("dropping invalid config delta", "bytes", len(data))
		return
	}
	d := delta{env: env, kind: env.kind()}
	if !m.cfg.Trusted.Admits(env.Producer) {
		m.metrics.Deltas.WithLabelValues(d.kind, ResultRejectedUntrusted).Inc()
		m.log.Warn("rejecting config delta from an untrusted producer", "router_id", env.Producer,
			"bundle_id", env.BundleID, "epoch", env.Epoch, "model_id", env.ModelID)
		return
	}
	if d.kind == KindModelAdded {
		// Parsed outside the state lock: it is the expensive part.
		d.doc, d.parseErr = yamldoc.Parse([]byte(env.ModelConfig))
	}

	m.mu.Lock()
	prev := m.snap.Load()
	var next *State
	var result, trigger string
	var applyErr error
	if m.resyncing {
		// The content applies now; the epoch is settled when the attempt's
		// state is swapped in and this delta is replayed on it.
		next, _ = applyContent(prev, &d)
		result = ResultBuffered
		if len(m.buffer) == maxBuffered {
			m.buffer = m.buffer[1:]
		}
		m.buffer = append(m.buffer, d)
	} else {
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

func (m *Mirror) logDelta(d *delta, result string, local uint64, err error) {
	args := []any{"kind", d.kind, "result", result, "epoch", d.env.Epoch, "local_epoch", local,
		"model_id", d.env.ModelID, "bundle_id", d.env.BundleID, "router_id", d.env.Producer}
	switch result {
	case ResultParseError, ResultApplyError:
		m.log.Warn("config delta not applied; resync requested", append(args, "err", err)...)
	case ResultGap:
		m.log.Warn("config delta skips an epoch; resync requested", args...)
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
