package faulttest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/gateway"
)

// gatewayOptions configure one gateway under test.
type gatewayOptions struct {
	Name      string
	ConfigURL string
	NATSURL   string
	Poll      time.Duration
	// Keep is the gateway's DeltaFilter test hook: a message for which it
	// returns false is lost before the gateway sees it. nil keeps all.
	Keep    func(data []byte) bool
	Trusted gateway.Trust // nil: the code default
	Log     io.Writer     // nil: discarded
}

// testGateway is the gateway's config read side run in-process: the
// gateway package's Mirror, fed by a NATS subscription to
// sie.config.models._all exactly as sie-gateway wires it, with sie-config
// as its resync source. It records which delta epochs it applied, so a
// delta applied twice is caught.
type testGateway struct {
	name    string
	mirror  *gateway.Mirror
	metrics *gateway.Metrics
	conn    *bus.Conn

	received atomic.Int64
	dropped  atomic.Int64

	mu      sync.Mutex
	applied map[uint64]int // delta epoch → times it was applied
	twice   []uint64
}

func startGateway(t testing.TB, o gatewayOptions) *testGateway {
	t.Helper()
	out := o.Log
	if out == nil {
		out = io.Discard
	}
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelWarn})).With("gateway", o.Name)
	trusted := o.Trusted
	if trusted == nil {
		trusted = gateway.DefaultTrustedProducers
	}
	g := &testGateway{name: o.Name, metrics: gateway.NewMetrics(nil), applied: map[uint64]int{}}
	cfg := gateway.Config{
		ConfigURL:      o.ConfigURL,
		Trusted:        trusted,
		PollInterval:   o.Poll,
		BackoffInitial: 200 * time.Millisecond,
		BackoffMax:     time.Second,
		Metrics:        g.metrics,
		Log:            log,
	}
	if o.Keep != nil {
		cfg.DeltaFilter = func(data []byte) bool {
			if o.Keep(data) {
				return true
			}
			g.dropped.Add(1)
			return false
		}
	}
	g.mirror = gateway.New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	g.mirror.Start(ctx)
	t.Cleanup(func() { cancel(); g.mirror.Wait() })
	if o.NATSURL != "" {
		conn, err := bus.Connect(o.NATSURL, bus.Options{
			Name:          "sie-gateway " + o.Name,
			OnStateChange: func(up bool) { g.metrics.NATSConnected.Set(gauge(up)) },
		}, log)
		if err != nil {
			t.Fatal(err)
		}
		g.conn = conn
		t.Cleanup(func() { conn.Close(time.Second) })
		if _, err := conn.Subscribe(bus.SubjectAll, g.handle); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

// handle is the subscription callback. NATS calls it one message at a
// time, so the applied counter read around HandleDelta belongs to this
// message alone.
func (g *testGateway) handle(data []byte) {
	g.received.Add(1)
	before := g.appliedTotal()
	g.mirror.HandleDelta(data)
	if g.appliedTotal() == before {
		return
	}
	var env struct {
		Epoch uint64 `json:"epoch"`
	}
	_ = json.Unmarshal(data, &env)
	g.mu.Lock()
	g.applied[env.Epoch]++
	if g.applied[env.Epoch] == 2 {
		g.twice = append(g.twice, env.Epoch)
	}
	g.mu.Unlock()
}

func (g *testGateway) appliedTotal() float64 {
	var sum float64
	for _, kind := range []string{gateway.KindModelAdded, gateway.KindModelRemoved, gateway.KindEpochBump} {
		sum += counterValue(g.metrics.Deltas.WithLabelValues(kind, gateway.ResultApplied))
	}
	return sum
}

// deltas is sie_gateway_config_deltas_total summed over kinds for result.
func (g *testGateway) deltas(result string) int {
	var sum float64
	for _, kind := range []string{gateway.KindModelAdded, gateway.KindModelRemoved, gateway.KindEpochBump, gateway.KindUnknown} {
		sum += counterValue(g.metrics.Deltas.WithLabelValues(kind, result))
	}
	return int(sum)
}

// resyncs is sie_gateway_config_resyncs_total{trigger,result="success"}.
func (g *testGateway) resyncs(trigger string) int {
	return int(counterValue(g.metrics.Resyncs.WithLabelValues(trigger, "success")))
}

// appliedTwice lists the delta epochs applied more than once.
func (g *testGateway) appliedTwice() []uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]uint64(nil), g.twice...)
}

// Epoch is the gateway's local epoch L.
func (g *testGateway) Epoch() uint64 { return g.mirror.Snapshot().Epoch() }

// Registry is what the gateway serves.
func (g *testGateway) Registry() registry {
	r := registry{}
	for _, m := range g.mirror.Snapshot().Models() {
		r[m.ID] = m.Doc
	}
	return r
}

// Connected reports the gateway's NATS connection state.
func (g *testGateway) Connected() bool { return g.conn != nil && g.conn.Connected() }

// convergedTo reports whether the gateway holds exactly the export.
func (g *testGateway) convergedTo(want exportSnap) (bool, string) {
	st := g.mirror.Snapshot()
	got := g.Registry()
	if st.Epoch() == want.Epoch && got.digest() == want.Models.digest() {
		return true, ""
	}
	return false, fmt.Sprintf("%s: epoch %d want %d; %s", g.name, st.Epoch(), want.Epoch, got.diff(want.Models))
}

func counterValue(c interface{ Write(*dto.Metric) error }) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return 0
	}
	return m.GetCounter().GetValue()
}

func gauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// resyncCounts sums the gateways' successful resyncs by trigger.
func resyncCounts(gws []*testGateway) map[string]int {
	out := map[string]int{}
	for _, trig := range []string{gateway.TriggerStartup, gateway.TriggerPollEpoch, gateway.TriggerRewind,
		gateway.TriggerPollHash, gateway.TriggerGap, gateway.TriggerApplyError} {
		for _, g := range gws {
			if n := g.resyncs(trig); n > 0 {
				out[trig] += n
			}
		}
	}
	return out
}
