package gatewayapi

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/gateway"
)

// ReasonGatewaysMissing is the rollout's reason when a known gateway did
// not answer.
const ReasonGatewaysMissing = "gateways_missing"

// rolloutPace is the least time between two rounds of a rollout long-poll
// that ended without the condition (peers answering at once).
const rolloutPace = 50 * time.Millisecond

// rolloutRound caps one round of a rollout long-poll: a known gateway that
// never answers holds a round to its end, and the next round asks the
// table again (where a dead gateway expires).
const rolloutRound = 2 * time.Second

// stateRank orders the states worst first.
var stateRank = map[string]int{
	gateway.StateUnroutable:      0,
	gateway.StateNoWorkers:       1,
	gateway.StatePending:         2,
	gateway.StateAckedUnservable: 3,
	gateway.StateReady:           4,
}

// gatewayAnswer is what the rollout reads of one gateway's view; raw is
// the view itself, passed through.
type gatewayAnswer struct {
	GatewayID   string `json:"gateway_id"`
	ConfigEpoch uint64 `json:"config_epoch"`
	State       string `json:"state"`
	Reason      string `json:"reason"`
	Message     string `json:"message"`
	Bundles     []struct {
		AckedWorkers   []string `json:"acked_workers"`
		PendingWorkers []string `json:"pending_workers"`
	} `json:"bundles"`
	raw []byte
}

// readAnswer decodes a gateway's answer; nil when it is not a view.
func readAnswer(raw []byte) *gatewayAnswer {
	var a gatewayAnswer
	if json.Unmarshal(raw, &a) != nil || a.GatewayID == "" {
		return nil
	}
	if _, ok := stateRank[a.State]; !ok {
		return nil
	}
	a.raw = raw
	return &a
}

// answerID is the gateway id of an answer ("" when it is not one).
func answerID(raw []byte) string {
	if a := readAnswer(raw); a != nil {
		return a.GatewayID
	}
	return ""
}

// rollout is one model's aggregate over the gateways.
type rollout struct {
	state       string
	configEpoch uint64
	body        []byte
}

// ready is the long-poll's condition.
func (r *rollout) ready(minEpoch uint64) bool {
	return r.state == gateway.StateReady && r.configEpoch >= minEpoch
}

// serveRollout answers GET …/{id}/rollout: every gateway's view of the
// model and their aggregate. With ?wait=ready it holds the answer until
// the aggregate is ready at min_epoch or the timeout passes.
func (s *server) serveRollout(w http.ResponseWriter, r *http.Request, raw, base string) {
	sw, bad := parseStatusWait(r)
	if bad != "" {
		writeMessage(w, http.StatusBadRequest, bad)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel) // shutting down: answer now
	defer stop()
	var until time.Time
	var minEpoch uint64
	if sw != nil {
		until, minEpoch = time.Now().Add(sw.timeout), sw.minEpoch
	}
	for {
		mirrorChanged := s.mirror.Changed()
		st := s.mirror.Snapshot()
		m := st.Find(base)
		if m == nil {
			if sw == nil || !time.Now().Before(until) || ctx.Err() != nil {
				s.writeModelYAML(w, st, raw)
				return
			}
			waitFor(ctx, mirrorChanged, time.Until(until))
			continue
		}
		var window time.Duration
		if sw != nil {
			window = min(max(time.Until(until), 0), rolloutRound)
		}
		began := time.Now()
		ro := s.gatherRollout(ctx, m.ID, minEpoch, window)
		if sw == nil || ro.ready(minEpoch) || !time.Now().Before(until) || ctx.Err() != nil {
			if r.Context().Err() != nil {
				return
			}
			s.rolloutMetrics.observe(ro.state)
			writeBody(w, http.StatusOK, contentJSON, ro.body)
			return
		}
		if spent := time.Since(began); spent < rolloutPace {
			waitFor(ctx, mirrorChanged, min(rolloutPace-spent, time.Until(until)))
		}
	}
}

// waitFor blocks until ch is closed, d passed or ctx ended.
func waitFor(ctx context.Context, ch <-chan struct{}, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	case <-ctx.Done():
	}
}

// gatherRollout asks this gateway and every peer at once (each answering
// as soon as it is ready at minEpoch, within window) and aggregates.
func (s *server) gatherRollout(ctx context.Context, id string, minEpoch uint64, window time.Duration) *rollout {
	own := make(chan []byte, 1)
	go func() { own <- s.gatewayView(ctx, id, minEpoch, window) }()
	var known []string
	var peerAnswers map[string][]byte
	if s.peers != nil {
		known = s.peers.Known()
		req := peerRequest{ModelID: id}
		if window > 0 {
			req.Wait, req.MinEpoch, req.TimeoutMS = "ready", minEpoch, window.Milliseconds()
		}
		body, _ := json.Marshal(req)
		peerAnswers = s.peers.Ask(ctx, body, window, answerID)
	}
	self := readAnswer(<-own)
	answers := []*gatewayAnswer{self}
	for _, raw := range peerAnswers {
		if a := readAnswer(raw); a != nil && a.GatewayID != self.GatewayID {
			answers = append(answers, a)
		}
	}
	sort.Slice(answers, func(i, j int) bool { return answers[i].GatewayID < answers[j].GatewayID })
	var missing []string
	for _, k := range known {
		if _, ok := peerAnswers[k]; !ok && k != self.GatewayID {
			missing = append(missing, k)
		}
	}
	return aggregate(id, answers, missing)
}

// aggregate builds the rollout of model id from the answers (sorted by
// gateway id, at least one) and the known gateways that did not answer.
func aggregate(id string, answers []*gatewayAnswer, missing []string) *rollout {
	worst := answers[0]
	epoch := answers[0].ConfigEpoch
	allReady := len(missing) == 0
	eligible, pending := map[string]bool{}, map[string]bool{}
	gateways := make([]any, len(answers))
	for i, a := range answers {
		gateways[i] = canonjson.Raw(a.raw)
		if stateRank[a.State] < stateRank[worst.State] {
			worst = a
		}
		epoch = min(epoch, a.ConfigEpoch)
		allReady = allReady && a.State == gateway.StateReady
		for _, b := range a.Bundles {
			for _, n := range b.AckedWorkers {
				eligible[n] = true
			}
			for _, n := range b.PendingWorkers {
				eligible[n], pending[n] = true, true
			}
		}
	}
	state, reason, message := worst.State, worst.Reason, worst.Message
	if len(missing) > 0 && stateRank[state] >= stateRank[gateway.StatePending] {
		state, reason = gateway.StatePending, ReasonGatewaysMissing
		message = missingMessage(missing)
	}
	body := canonjson.AppendCanonical(make([]byte, 0, 256+len(answers)*1024), doc.NewMap(
		doc.Entry{Key: "all_gateways_ready", Value: allReady},
		doc.Entry{Key: "config_epoch", Value: epoch},
		doc.Entry{Key: "gateways", Value: gateways},
		doc.Entry{Key: "gateways_answered", Value: len(answers)},
		doc.Entry{Key: "gateways_known", Value: len(answers) + len(missing)},
		doc.Entry{Key: "message", Value: message},
		doc.Entry{Key: "missing_gateways", Value: nonNil(missing)},
		doc.Entry{Key: "model_id", Value: id},
		doc.Entry{Key: "reason", Value: reason},
		doc.Entry{Key: "state", Value: state},
		doc.Entry{Key: "totals", Value: doc.NewMap(
			doc.Entry{Key: "acked_workers", Value: len(eligible) - len(pending)},
			doc.Entry{Key: "eligible_workers", Value: len(eligible)},
		)},
	), canonjson.ORJSON)
	return &rollout{state: state, configEpoch: epoch, body: body}
}

// missingMessage names the gateways that did not answer.
func missingMessage(missing []string) string {
	if len(missing) == 1 {
		return "gateway " + missing[0] + " did not answer"
	}
	return "gateways " + strings.Join(missing, ", ") + " did not answer"
}

// rolloutBase splits "{id}/rollout" into the model id part.
func rolloutBase(raw string) (string, bool) { return strings.CutSuffix(raw, "/rollout") }
