package gatewayapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// answer is a gateway's view with only what the aggregate reads.
func answer(t *testing.T, id, state, reason, msg string, epoch uint64, acked, pending []string) *gatewayAnswer {
	t.Helper()
	raw := fmt.Sprintf(`{"bundles":[{"acked_workers":%s,"pending_workers":%s}],"config_epoch":%d,"gateway_id":%q,"message":%q,"reason":%q,"state":%q}`,
		jsonList(acked), jsonList(pending), epoch, id, msg, reason, state)
	a := readAnswer([]byte(raw))
	if a == nil {
		t.Fatalf("unreadable: %s", raw)
	}
	return a
}

func jsonList(s []string) string {
	if s == nil {
		s = []string{}
	}
	b, _ := json.Marshal(s)
	return string(b)
}

type rolloutBody struct {
	AllGatewaysReady bool     `json:"all_gateways_ready"`
	ConfigEpoch      uint64   `json:"config_epoch"`
	GatewaysAnswered int      `json:"gateways_answered"`
	GatewaysKnown    int      `json:"gateways_known"`
	Message          string   `json:"message"`
	Missing          []string `json:"missing_gateways"`
	Reason           string   `json:"reason"`
	State            string   `json:"state"`
	Totals           struct {
		Acked    int `json:"acked_workers"`
		Eligible int `json:"eligible_workers"`
	} `json:"totals"`
}

func decodeRollout(t *testing.T, r *rollout) rolloutBody {
	t.Helper()
	var b rolloutBody
	if err := json.Unmarshal(r.body, &b); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	return b
}

// The worst state wins with its reason and message; totals count distinct
// workers, acked only where every gateway listing them acks them; the
// epoch is the lowest; a missing gateway caps the state at pending.
func TestRolloutAggregate(t *testing.T) {
	ready := func(id string, epoch uint64, acked ...string) *gatewayAnswer {
		return answer(t, id, "ready", "", "all good on "+id, epoch, acked, nil)
	}
	cases := []struct {
		name    string
		answers []*gatewayAnswer
		missing []string
		want    rolloutBody
	}{
		{"all ready", []*gatewayAnswer{ready("a", 7, "w1", "w2"), ready("b", 7, "w1", "w2")}, nil,
			rolloutBody{AllGatewaysReady: true, ConfigEpoch: 7, GatewaysAnswered: 2, GatewaysKnown: 2, Message: "all good on a", State: "ready"}},
		{"one gateway lists a worker pending", []*gatewayAnswer{ready("a", 7, "w1", "w2"),
			answer(t, "b", "pending", "workers_behind", "1 of 2 behind", 7, []string{"w1"}, []string{"w2"})}, nil,
			rolloutBody{ConfigEpoch: 7, GatewaysAnswered: 2, GatewaysKnown: 2, Message: "1 of 2 behind", Reason: "workers_behind", State: "pending"}},
		{"the worst of several states", []*gatewayAnswer{
			answer(t, "a", "acked_unservable", "stub_on_workers", "stub", 9, []string{"w1"}, nil),
			answer(t, "b", "no_workers", "no_eligible_workers", "none on b", 8, nil, nil),
			answer(t, "c", "pending", "workers_unknown_config", "unknown", 9, nil, []string{"w3"})}, nil,
			rolloutBody{ConfigEpoch: 8, GatewaysAnswered: 3, GatewaysKnown: 3, Message: "none on b", Reason: "no_eligible_workers", State: "no_workers"}},
		{"missing gateways cap ready at pending", []*gatewayAnswer{ready("a", 7, "w1")}, []string{"b", "c"},
			rolloutBody{ConfigEpoch: 7, GatewaysAnswered: 1, GatewaysKnown: 3, Message: "gateways b, c did not answer", Reason: "gateways_missing", State: "pending", Missing: []string{"b", "c"}}},
		{"a worse state than pending stays", []*gatewayAnswer{answer(t, "a", "unroutable", "no_bundles", "no bundle", 7, nil, nil)}, []string{"b"},
			rolloutBody{ConfigEpoch: 7, GatewaysAnswered: 1, GatewaysKnown: 2, Message: "no bundle", Reason: "no_bundles", State: "unroutable", Missing: []string{"b"}}},
	}
	totals := map[string][2]int{"all ready": {2, 2}, "one gateway lists a worker pending": {1, 2}, "the worst of several states": {1, 2},
		"missing gateways cap ready at pending": {1, 1}, "a worse state than pending stays": {0, 0}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := decodeRollout(t, aggregate("m/x", c.answers, c.missing))
			want := c.want
			if want.Missing == nil {
				want.Missing = []string{}
			}
			want.Totals.Acked, want.Totals.Eligible = totals[c.name][0], totals[c.name][1]
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

// Without peers the rollout holds this gateway alone; its long-poll
// answers at once when the condition already holds and at the timeout
// otherwise; metrics count the answers by state.
func TestRolloutAlone(t *testing.T) {
	e := newEnv(t, state(t, 4, modelDoc("a/m", bertFlash)), Auth{})
	reg := prometheus.NewRegistry()
	e.srv.Config.Handler = New(Config{Mirror: e.mirror, Workers: e.reg, Gatherer: reg, Registerer: reg})
	r := e.get("/v1/configs/models/a/m/rollout")
	if r.status != 200 || !strings.HasPrefix(r.body, `{"all_gateways_ready":false,"config_epoch":4,"gateways":[{"all_bundles_acked":false,`) ||
		!strings.Contains(r.body, `"gateway_id":"local"`) ||
		!strings.HasSuffix(r.body, `"gateways_answered":1,"gateways_known":1,"message":"no worker of bundle default is connected to this gateway","missing_gateways":[],"model_id":"a/m","reason":"no_eligible_workers","state":"no_workers","totals":{"acked_workers":0,"eligible_workers":0}}`) {
		t.Fatalf("%d %s", r.status, r.body)
	}
	began := time.Now()
	r = e.get("/v1/configs/models/a/m/rollout?wait=ready&timeout=200ms")
	if took := time.Since(began); r.status != 200 || took < 200*time.Millisecond || !strings.Contains(r.body, `"state":"no_workers"`) {
		t.Fatalf("after %v: %d %s", took, r.status, r.body)
	}
	expect(t, e.get("/v1/configs/models/x/y/rollout"), 404, `{"message":"Model 'x/y/rollout' not found"}`)
	if r := e.get("/v1/configs/models/a/m/rollout?wait=ready&min_epoch=x"); r.status != 400 {
		t.Fatalf("bad min_epoch: %d %s", r.status, r.body)
	}
	if r := e.get("/metrics"); !strings.Contains(r.body, `sie_gateway_rollout_requests_total{state="no_workers"} 2`) {
		t.Fatalf("metrics:\n%s", r.body)
	}
}

// A peer's request: any bytes; an answer, when there is one, is a view
// the rollout can read, for the requested model.
func FuzzRolloutPeerRequest(f *testing.F) {
	for _, s := range []string{`{"model_id":"a/m"}`, `{"model_id":"a/m","wait":"ready","min_epoch":3,"timeout_ms":5}`,
		`{"model_id":"no/such"}`, `{}`, `[`, `{"model_id":"a/m","timeout_ms":-1,"wait":"ready"}`} {
		f.Add([]byte(s))
	}
	e := newEnv(f, state(f, 2, modelDoc("a/m", bertFlash)), Auth{})
	s := &server{mirror: e.mirror, workers: e.reg, ctx: context.Background(), rolloutMetrics: newRolloutMetrics(nil)}
	f.Fuzz(func(t *testing.T, req []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		out := s.answerPeer(ctx, req)
		if out == nil {
			return
		}
		a := readAnswer(out)
		if a == nil {
			t.Fatalf("%q: unreadable answer %s", req, out)
		}
		_ = readAnswer(req) // any bytes as an answer
	})
}

// MaybeReady, the waiters' cheap check, never says no where the rules say
// ready (whatever the workers report), and says no for the usual pending
// cases.
func TestMaybeReadyIsNecessary(t *testing.T) {
	e := newReadyEnv(t, state(t, 3, modelDoc("a/m", bertFlash)))
	st := e.mirror.Snapshot()
	m := st.Find("a/m")
	want := st.ExpectedHash("default")
	for i, step := range []struct {
		url, name, hash string
		ready           bool
	}{
		{"http://w1", "w1", "old", true},
		{"http://w1", "w1", want, true},
		{"http://w2", "w2", "old", true},
		{"http://w2", "w2", "old", false},
		{"http://w2", "w2", want, true},
		{"http://w3", "w3", want, false},
	} {
		e.frame(step.url, step.name, step.hash, step.ready, "")
		for _, minEpoch := range []uint64{0, 3, 4} {
			ready := st.StatusOf(m, e.reg).Ready(minEpoch)
			maybe := st.MaybeReady(m, e.reg, minEpoch)
			if ready && !maybe {
				t.Fatalf("step %d, min_epoch %d: ready but MaybeReady false", i, minEpoch)
			}
			if minEpoch == 4 && maybe {
				t.Fatalf("step %d: MaybeReady past the epoch", i)
			}
		}
	}
	if !st.StatusOf(m, e.reg).Ready(3) {
		t.Fatal("the last step should be ready")
	}
}

// The rollout view is a read: it needs a user token when auth is on.
func TestRolloutNeedsReadAuth(t *testing.T) {
	on := newEnv(t, state(t, 0, modelDoc("a/m", bertFlash)), Auth{Enabled: true, UserTokens: []string{"user1"}, AdminToken: "admin"})
	if r := on.get("/v1/configs/models/a/m/rollout"); r.status != 401 {
		t.Fatalf("without a token: %d %s", r.status, r.body)
	}
	if r := on.do("GET", "/v1/configs/models/a/m/rollout", "Bearer user1", "", ""); r.status != 200 || !strings.Contains(r.body, `"gateways_known":1`) {
		t.Fatalf("with the read token: %d %s", r.status, r.body)
	}
}
