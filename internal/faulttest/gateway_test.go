package faulttest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/gateway"
	"github.com/sieproject/sie/internal/gatewayserver"
	"github.com/sieproject/sie/internal/httplimits"
)

// gatewayOptions configure one gateway under test.
type gatewayOptions struct {
	Name      string
	ConfigURL string
	NATSURL   string
	Poll      time.Duration
	// Keep feeds the gateway's DeltaFilter test hook: a message for which
	// it returns false is lost before the gateway sees it. nil keeps all.
	Keep    func(data []byte) bool
	Trusted gateway.Trust // nil: the code default
	// Creds authenticate to NATS; Limits shorten the HTTP timeouts.
	Creds  bus.Credentials
	Limits httplimits.Limits
}

// converger is a gateway whose state can be compared with the export.
type converger interface {
	Name() string
	convergedTo(want exportSnap) (bool, string)
	// epochIssues lists violations of the epoch sequence seen so far.
	epochIssues() []string
}

// testGateway is sie-gateway run in-process through gatewayserver.Start:
// the real HTTP API, NATS subscription and mirror. Through the DeltaFilter
// hook it watches every delta it receives and the local epoch L before
// each: with a store behind sie-config, L must never go down, which is what
// makes a delta impossible to apply twice.
type testGateway struct {
	name    string
	srv     *gatewayserver.Server
	logPath string

	received atomic.Int64
	dropped  atomic.Int64

	mu     sync.Mutex
	lastL  uint64
	issues []string
}

func startGateway(t testing.TB, o gatewayOptions) *testGateway {
	t.Helper()
	cfg, err := gatewayserver.FromEnv(func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(t.TempDir(), o.Name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	g := &testGateway{name: o.Name, logPath: logf.Name()}
	var live atomic.Pointer[gatewayserver.Server]
	cfg.Host, cfg.Port = "127.0.0.1", 0
	cfg.ConfigURL, cfg.NATSURL = o.ConfigURL, o.NATSURL
	cfg.PollInterval = o.Poll
	cfg.BackoffInitial, cfg.BackoffMax = 200*time.Millisecond, time.Second
	cfg.LogOutput = logf
	cfg.NATSCredentials, cfg.HTTPLimits = o.Creds, o.Limits
	if o.Trusted != nil {
		cfg.Trusted = o.Trusted
	}
	cfg.DeltaFilter = func(data []byte) bool {
		g.received.Add(1)
		if s := live.Load(); s != nil {
			g.observe(s.Mirror().Snapshot().Epoch(), "delta")
		}
		if o.Keep != nil && !o.Keep(data) {
			g.dropped.Add(1)
			return false
		}
		return true
	}
	srv, err := gatewayserver.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	live.Store(srv)
	g.srv = srv
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return g
}

func (g *testGateway) Name() string { return g.name }

// URL is the gateway's HTTP base URL.
func (g *testGateway) URL() string { return g.srv.URL() }

// observe records L; a decrease is an issue (sie-config never rewinds
// while its store persists the epoch).
func (g *testGateway) observe(l uint64, where string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if l < g.lastL && len(g.issues) < 10 {
		g.issues = append(g.issues, fmt.Sprintf("%s: local epoch went down from %d to %d (at %s)", g.name, g.lastL, l, where))
	}
	g.lastL = l
}

func (g *testGateway) epochIssues() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.issues...)
}

// Epoch is the gateway's local epoch L.
func (g *testGateway) Epoch() uint64 { return g.srv.Mirror().Snapshot().Epoch() }

// Registry is what the gateway mirrors.
func (g *testGateway) Registry() registry {
	r := registry{}
	for _, m := range g.srv.Mirror().Snapshot().Models() {
		r[m.ID] = m.Doc()
	}
	return r
}

// Connected reports the gateway's NATS connection state.
func (g *testGateway) Connected() bool { return g.srv.NATSConnected() }

// convergedTo reports whether the gateway holds exactly the export:
// the same epoch and the same ids with equal documents.
func (g *testGateway) convergedTo(want exportSnap) (bool, string) {
	l := g.Epoch()
	g.observe(l, "poll")
	got := g.Registry()
	if l == want.Epoch && got.digest() == want.Models.digest() {
		return true, ""
	}
	return false, fmt.Sprintf("%s: epoch %d want %d; %s", g.name, l, want.Epoch, got.diff(want.Models))
}

// deltaCounts is sie_gateway_config_deltas_total by result.
func (g *testGateway) deltaCounts() map[string]int {
	s := scrape(g.URL())
	out := map[string]int{}
	for _, r := range []string{gateway.ResultApplied, gateway.ResultDuplicate, gateway.ResultStale, gateway.ResultGap,
		gateway.ResultBuffered, gateway.ResultRejectedUntrusted, gateway.ResultInvalidEnvelope,
		gateway.ResultParseError, gateway.ResultApplyError, gateway.ResultOtherGeneration} {
		if n := int(sumMetric(s, "sie_gateway_config_deltas_total", `result="`+r+`"`)); n > 0 {
			out[r] = n
		}
	}
	return out
}

// resyncCounts sums the gateways' successful resyncs by trigger.
func resyncCounts(gws ...*testGateway) map[string]int {
	out := map[string]int{}
	for _, g := range gws {
		s := scrape(g.URL())
		for _, trig := range []string{gateway.TriggerStartup, gateway.TriggerPollEpoch, gateway.TriggerRewind,
			gateway.TriggerPollHash, gateway.TriggerGap, gateway.TriggerApplyError, gateway.TriggerGeneration} {
			if n := int(sumMetric(s, "sie_gateway_config_resyncs_total", `trigger="`+trig+`"`, `result="success"`)); n > 0 {
				out[trig] += n
			}
		}
	}
	return out
}

// checkApplied asserts that each gateway applied no more deltas than its
// epoch advanced by since base (each applied delta moves L up by exactly
// one), and that L never went down.
func checkApplied(t testing.TB, gws []*testGateway, base map[*testGateway]appliedMark) {
	t.Helper()
	for _, g := range gws {
		now := g.mark()
		b := base[g]
		if applied := now.applied - b.applied; applied > int(now.epoch)-int(b.epoch) {
			t.Errorf("%s applied %d deltas while its epoch rose by %d: a delta was applied twice", g.name, applied, int(now.epoch)-int(b.epoch))
		}
		for _, issue := range g.epochIssues() {
			t.Error(issue)
		}
	}
}

// appliedMark is a gateway's applied-delta count and epoch at one moment.
type appliedMark struct {
	applied int
	epoch   uint64
}

func (g *testGateway) mark() appliedMark {
	return appliedMark{applied: g.deltaCounts()[gateway.ResultApplied], epoch: g.Epoch()}
}

func marks(gws []*testGateway) map[*testGateway]appliedMark {
	out := map[*testGateway]appliedMark{}
	for _, g := range gws {
		out[g] = g.mark()
	}
	return out
}

func allConnected(gws []*testGateway) bool {
	for _, g := range gws {
		if !g.Connected() {
			return false
		}
	}
	return true
}

// gatewayList is GET /v1/configs/models on a gateway: id → sorted profiles.
func gatewayList(base string) (map[string][]string, error) {
	code, body, err := httpDo(base, "GET", "/v1/configs/models", nil)
	if err != nil {
		return nil, err
	}
	if code != 200 {
		return nil, fmt.Errorf("GET /v1/configs/models: %d %s", code, body)
	}
	var list struct {
		Models []struct {
			ID       string   `json:"model_id"`
			Profiles []string `json:"profiles"`
		} `json:"models"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, m := range list.Models {
		out[m.ID] = m.Profiles
	}
	return out, nil
}

// Logs returns what the gateway logged.
func (g *testGateway) Logs() string {
	data, _ := os.ReadFile(g.logPath)
	return string(data)
}
