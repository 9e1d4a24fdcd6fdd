package gateway

import (
	"context"
	"encoding/json"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sieproject/sie/internal/bus"
)

// The gateways' own NATS subjects.
const (
	SubjectHeartbeat = "sie.gateway.heartbeat"
	SubjectStatus    = "sie.gateway.status"
)

// Peer timings: a heartbeat every 5 s, a peer forgotten 15 s after its
// last one, and 500 ms for every known peer to answer a status request.
const (
	DefaultPeerHeartbeat  = 5 * time.Second
	DefaultPeerExpiry     = 15 * time.Second
	DefaultPeerAnswerWait = 500 * time.Millisecond
)

// maxWaitingAnswers bounds the status requests a gateway holds open for
// their long-poll at once; beyond it they are answered at once.
const maxWaitingAnswers = 256

// Heartbeat is what each gateway publishes on SubjectHeartbeat (keys in
// this order).
type Heartbeat struct {
	GatewayID   string `json:"gateway_id"`
	ConfigEpoch uint64 `json:"config_epoch"`
	Workers     int    `json:"workers"`
	StartedAt   string `json:"started_at"`
	Leaving     bool   `json:"leaving"`
}

// Responder answers one status request from a peer gateway: the request
// body, and whether it may take its time (a long-poll). It returns the
// answer's bytes.
type Responder func(ctx context.Context, request []byte) []byte

// PeersConfig wires a peer table.
type PeersConfig struct {
	ID string
	// Epoch and Workers feed the heartbeat.
	Epoch   func() uint64
	Workers func() int
	// Zero values take the defaults above.
	Heartbeat  time.Duration
	Expiry     time.Duration
	AnswerWait time.Duration
	Registerer prometheus.Registerer // nil: the gauge is not registered
	Log        *slog.Logger
}

// Peers is this gateway's identity among the gateways over NATS: it sends
// the heartbeat, keeps the table of the peers heard recently, answers
// their status requests and asks them all.
type Peers struct {
	cfg       PeersConfig
	startedAt string
	known     prometheus.Gauge
	waiting   chan struct{} // one token per long-poll answer in flight

	mu      sync.Mutex // guards seen, conn, respond
	seen    map[string]time.Time
	conn    *bus.Conn
	respond Responder
	// nudge asks the heartbeat loop to publish now (on (re)connect).
	nudge chan struct{}
	wg    sync.WaitGroup
}

// NewPeers returns the table of a gateway that knows no peer yet.
func NewPeers(cfg PeersConfig) *Peers {
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = DefaultPeerHeartbeat
	}
	if cfg.Expiry <= 0 {
		cfg.Expiry = DefaultPeerExpiry
	}
	if cfg.AnswerWait <= 0 {
		cfg.AnswerWait = DefaultPeerAnswerWait
	}
	if cfg.Epoch == nil {
		cfg.Epoch = func() uint64 { return 0 }
	}
	if cfg.Workers == nil {
		cfg.Workers = func() int { return 0 }
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	p := &Peers{cfg: cfg, startedAt: time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		seen: map[string]time.Time{}, nudge: make(chan struct{}, 1), waiting: make(chan struct{}, maxWaitingAnswers),
		known: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sie_gateway_peers_known",
			Help: "Other gateways heard from (heartbeat or answer) within the peer expiry.",
		})}
	if cfg.Registerer != nil {
		cfg.Registerer.MustRegister(p.known)
	}
	return p
}

// ID is this gateway's id.
func (p *Peers) ID() string { return p.cfg.ID }

// AnswerWait is how long a request waits beyond its long-poll for the
// last known peer.
func (p *Peers) AnswerWait() time.Duration { return p.cfg.AnswerWait }

// Serve sets how this gateway answers its peers' status requests (before
// Start; without it, requests go unanswered).
func (p *Peers) Serve(respond Responder) {
	p.mu.Lock()
	p.respond = respond
	p.mu.Unlock()
}

// Start joins the gateways on conn: it listens to their heartbeats,
// answers their status requests, and sends its own heartbeat until ctx
// ends. Without NATS it is never called, and the table stays empty.
func (p *Peers) Start(ctx context.Context, conn *bus.Conn) error {
	if _, err := conn.Subscribe(SubjectHeartbeat, p.observe); err != nil {
		return err
	}
	p.mu.Lock()
	respond := p.respond
	p.mu.Unlock()
	if respond != nil {
		if _, err := conn.ServeRequests(SubjectStatus, func(r bus.Request) { p.answer(ctx, r, respond) }); err != nil {
			return err
		}
	}
	p.mu.Lock()
	p.conn = conn
	p.mu.Unlock()
	p.wg.Add(1)
	go p.heartbeatLoop(ctx)
	return nil
}

// Nudge sends a heartbeat now (the connection came up).
func (p *Peers) Nudge() {
	select {
	case p.nudge <- struct{}{}:
	default:
	}
}

func (p *Peers) heartbeatLoop(ctx context.Context) {
	defer p.wg.Done()
	t := time.NewTicker(p.cfg.Heartbeat)
	defer t.Stop()
	p.publish(false)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.nudge:
		}
		p.publish(false)
		p.Known() // expire silent peers for the gauge
	}
}

func (p *Peers) publish(leaving bool) {
	p.mu.Lock()
	conn := p.conn
	p.mu.Unlock()
	if conn == nil {
		return
	}
	hb, _ := json.Marshal(Heartbeat{GatewayID: p.cfg.ID, ConfigEpoch: p.cfg.Epoch(), Workers: p.cfg.Workers(),
		StartedAt: p.startedAt, Leaving: leaving})
	if err := conn.Publish(SubjectHeartbeat, hb); err != nil && err != bus.ErrNotConnected {
		p.cfg.Log.Warn("gateway heartbeat not sent", "err", err)
	}
}

// Leave tells the peers this gateway is going (a clean shutdown) and waits
// for the heartbeat loop, whose context the caller has ended.
func (p *Peers) Leave(ctx context.Context) {
	p.wg.Wait()
	p.publish(true)
	p.mu.Lock()
	conn := p.conn
	p.mu.Unlock()
	if conn != nil && conn.Connected() {
		fctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		_ = conn.Flush(fctx)
	}
}

// observe records a peer's heartbeat; a leaving one is dropped at once.
func (p *Peers) observe(data []byte) {
	var hb Heartbeat
	if json.Unmarshal(data, &hb) != nil || !validPeerID(hb.GatewayID) || hb.GatewayID == p.cfg.ID {
		return
	}
	if hb.Leaving {
		p.mu.Lock()
		delete(p.seen, hb.GatewayID)
		p.mu.Unlock()
		p.Known()
		return
	}
	if p.touch(hb.GatewayID) {
		p.Nudge() // a newcomer: let it know this gateway at once
	}
}

// touch marks a peer as heard from now and reports whether it is new.
func (p *Peers) touch(id string) bool {
	if id == p.cfg.ID || !validPeerID(id) {
		return false
	}
	p.mu.Lock()
	_, had := p.seen[id]
	p.seen[id] = time.Now()
	n := len(p.seen)
	p.mu.Unlock()
	if !had {
		p.known.Set(float64(n))
	}
	return !had
}

func validPeerID(id string) bool { return id != "" && len(id) <= 253 }

// Known returns the other gateways heard from within the expiry, sorted,
// forgetting the rest.
func (p *Peers) Known() []string {
	now := time.Now()
	p.mu.Lock()
	out := make([]string, 0, len(p.seen))
	for id, at := range p.seen {
		if now.Sub(at) > p.cfg.Expiry {
			delete(p.seen, id)
			continue
		}
		out = append(out, id)
	}
	p.mu.Unlock()
	p.known.Set(float64(len(out)))
	sort.Strings(out)
	return out
}

// answer runs respond for one peer's request and sends its answer; a
// request this gateway sent itself is left to the asker (it computes its
// own view). Long-polls run apart so one does not hold the others.
func (p *Peers) answer(ctx context.Context, r bus.Request, respond Responder) {
	if r.Sender == p.cfg.ID {
		return
	}
	select {
	case p.waiting <- struct{}{}:
		go func() {
			defer func() { <-p.waiting }()
			if a := respond(ctx, r.Data); a != nil {
				_ = r.Respond(a)
			}
		}()
	default:
		// Too many in flight: answer now, without the long-poll.
		short, cancel := context.WithCancel(ctx)
		cancel()
		if a := respond(short, r.Data); a != nil {
			_ = r.Respond(a)
		}
	}
}

// Ask sends request to every gateway and returns the answers by gateway
// id, collected until every known peer answered or wait plus the answer
// wait passed. idOf reads the gateway id of an answer ("" discards it).
// Answering marks a gateway as known. Without NATS (or while it is down) it
// returns no answer.
func (p *Peers) Ask(ctx context.Context, request []byte, wait time.Duration, idOf func([]byte) string) map[string][]byte {
	known := p.Known()
	answers := make(map[string][]byte, len(known))
	p.mu.Lock()
	conn := p.conn
	p.mu.Unlock()
	if conn == nil || len(known) == 0 {
		// Nobody to ask: a joining gateway's first heartbeat makes the
		// others answer with theirs, so the table fills within a round trip.
		return answers
	}
	pending := make(map[string]bool, len(known))
	for _, id := range known {
		pending[id] = true
	}
	deadline := time.Now().Add(wait + p.cfg.AnswerWait)
	err := conn.Gather(ctx, SubjectStatus, p.cfg.ID, request, deadline, func(a []byte) bool {
		id := idOf(a)
		if id == "" || id == p.cfg.ID {
			return true
		}
		if _, dup := answers[id]; !dup {
			answers[id] = a
			p.touch(id)
			delete(pending, id)
		}
		return len(pending) > 0
	})
	if err != nil && err != bus.ErrNotConnected && ctx.Err() == nil {
		p.cfg.Log.Debug("gateway status request failed", "err", err)
	}
	return answers
}
