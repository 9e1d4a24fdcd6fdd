package gatewayapi

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/gateway"
)

// Peers reaches the other gateways over NATS for the fleet-wide rollout.
type Peers interface {
	// ID is this gateway's id.
	ID() string
	// Known lists the other gateways heard from recently, sorted.
	Known() []string
	// Ask sends a status request to every gateway and collects the answers
	// by gateway id until every known peer answered or wait (plus a short
	// grace) passed.
	Ask(ctx context.Context, request []byte, wait time.Duration, idOf func([]byte) string) map[string][]byte
	// Serve sets how this gateway answers the others' requests.
	Serve(gateway.Responder)
}

// ReasonModelUnknown is the reason of a gateway that does not hold the
// model yet (a lagging replica): its state is pending.
const ReasonModelUnknown = "model_unknown"

// peerRequest is a status request among gateways: the model, and for a
// long-poll, the condition and how long the answer may wait for it.
type peerRequest struct {
	ModelID   string `json:"model_id"`
	Wait      string `json:"wait,omitempty"`
	MinEpoch  uint64 `json:"min_epoch,omitempty"`
	TimeoutMS int64  `json:"timeout_ms,omitempty"`
}

// answerPeer answers a peer's request with this gateway's view of the
// model; nil (no answer) for a request it cannot read.
func (s *server) answerPeer(ctx context.Context, request []byte) []byte {
	var req peerRequest
	if json.Unmarshal(request, &req) != nil || req.ModelID == "" || len(req.ModelID) > 1024 {
		return nil
	}
	var wait time.Duration
	if req.Wait == "ready" && req.TimeoutMS > 0 {
		wait = min(time.Duration(req.TimeoutMS)*time.Millisecond, maxStatusWait)
	}
	if ctx.Err() != nil { // the gateway holds too many long-polls: answer now
		wait = 0
	}
	return s.gatewayView(ctx, req.ModelID, req.MinEpoch, wait)
}

// gatewayView is this gateway's status view of model id with its
// gateway_id; with a wait it answers as soon as the model is ready at
// minEpoch, or when the wait or ctx ends, with the view of that moment.
func (s *server) gatewayView(ctx context.Context, id string, minEpoch uint64, wait time.Duration) []byte {
	var deadline <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		deadline = t.C
	}
	for {
		// Take the wake-ups before reading, so no change is missed.
		mirrorChanged, workersChanged := s.mirror.Changed(), s.workers.Changed()
		st := s.mirror.Snapshot()
		m := st.Find(id)
		// While waiting, each change runs a scan of the workers' hashes,
		// the rules only once it passes, and the answer is encoded once,
		// when it is sent.
		if wait <= 0 || (m != nil && st.MaybeReady(m, s.workers, minEpoch) && st.StatusOf(m, s.workers).Ready(minEpoch)) {
			return s.viewOf(st, m, id)
		}
		select {
		case <-mirrorChanged:
			continue
		case <-workersChanged:
			continue
		case <-ctx.Done():
		case <-s.ctx.Done():
		case <-deadline:
		}
		st = s.mirror.Snapshot()
		return s.viewOf(st, st.Find(id), id)
	}
}

// viewOf is the answer for model m (nil: not held) of st.
func (s *server) viewOf(st *gateway.State, m *gateway.Model, id string) []byte {
	if m == nil {
		return s.unknownView(st, id)
	}
	return s.identified(s.status(st, m))
}

// identifiedStatus is a status answer with this gateway's id added, kept
// per model while the answer it was made from is current.
type identifiedStatus struct {
	from *cachedStatus
	body []byte
}

// identified is the status view c with gateway_id.
func (s *server) identified(c *cachedStatus) []byte {
	if v, ok := s.peerCache.Load(c.status.ModelID); ok {
		if e := v.(*identifiedStatus); e.from == c {
			return e.body
		}
	}
	d := statusDoc(c.status)
	d.Set("gateway_id", s.gatewayID())
	body := canonjson.AppendCanonical(make([]byte, 0, len(c.body)+64), d, canonjson.ORJSON)
	s.peerCache.Store(c.status.ModelID, &identifiedStatus{from: c, body: body})
	return body
}

// unknownView is the answer of a gateway that does not hold the model:
// pending, as a replica that has not caught up.
func (s *server) unknownView(st *gateway.State, id string) []byte {
	return canonjson.AppendCanonical(nil, doc.NewMap(
		doc.Entry{Key: "all_bundles_acked", Value: false},
		doc.Entry{Key: "bundles", Value: []any{}},
		doc.Entry{Key: "config_epoch", Value: st.Epoch()},
		doc.Entry{Key: "gateway_id", Value: s.gatewayID()},
		doc.Entry{Key: "message", Value: fmt.Sprintf("gateway %s does not hold %s (its config epoch is %d)", s.gatewayID(), id, st.Epoch())},
		doc.Entry{Key: "model_id", Value: id},
		doc.Entry{Key: "no_bundles", Value: false},
		doc.Entry{Key: "reason", Value: ReasonModelUnknown},
		doc.Entry{Key: "source", Value: sourceRegistry},
		doc.Entry{Key: "state", Value: gateway.StatePending},
		doc.Entry{Key: "worker_view", Value: nil},
	), canonjson.ORJSON)
}

// gatewayID is this gateway's id; without peers, "local".
func (s *server) gatewayID() string {
	if s.peers == nil {
		return "local"
	}
	return s.peers.ID()
}
