package workersim

import (
	"context"
	"strings"
	"time"

	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/doc"
)

// NATS health mode (extensions E6): besides (or instead of) its status
// WebSocket, a worker publishes a heartbeat on sie.health.<id> every 5 s
// and at once on any change, and one with terminated: true on shutdown.

// Health modes of --health-mode.
const (
	HealthWS   = "ws"   // the status WebSocket only (v0.3.1)
	HealthNATS = "nats" // NATS heartbeats only; /ws/status answers 404
	HealthBoth = "both" // both
)

// DefaultHeartbeatInterval is how often a worker publishes its heartbeat.
const DefaultHeartbeatInterval = 5 * time.Second

// healthSubjectPrefix is the heartbeat subject less the worker id.
const healthSubjectPrefix = "sie.health."

func (c *Config) healthMode() string {
	if c.HealthMode == "" {
		return HealthWS
	}
	return c.HealthMode
}

// servesWS and publishesHeartbeats say what the health mode turns on.
func (c *Config) servesWS() bool            { return c.healthMode() != HealthNATS }
func (c *Config) publishesHeartbeats() bool { return c.healthMode() != HealthWS }

func (c *Config) heartbeatInterval() time.Duration {
	if c.HeartbeatInterval > 0 {
		return c.HeartbeatInterval
	}
	return DefaultHeartbeatInterval
}

// HealthSubject is the subject a worker named name publishes its heartbeat
// on: the name is the subject's last token, with the characters a subject
// token cannot hold ('.', '*', '>', white space) replaced by '_'.
func HealthSubject(name string) string {
	id := strings.Map(func(r rune) rune {
		switch r {
		case '.', '*', '>', ' ', '\t', '\r', '\n':
			return '_'
		}
		return r
	}, name)
	if id == "" {
		id = "_"
	}
	return healthSubjectPrefix + id
}

// heartbeat builds the NATS heartbeat: exactly the keys the gateway reads,
// in this order (a simulated worker loads nothing and queues nothing).
func (w *Worker) heartbeat(terminated bool) []byte {
	w.mu.Lock()
	ready, hash, bundle, unsupported := w.ready, w.state.Hash(), w.state.Bundle(), w.unsupportedLocked()
	w.mu.Unlock()
	if terminated {
		ready = false
	}
	readySlots := 0
	if ready {
		readySlots = w.cfg.GPUCount
	}
	return canonjson.AppendOrdered(make([]byte, 0, 512), doc.NewMap(
		entry("name", w.name),
		entry("ready", ready),
		entry("terminated", terminated),
		entry("gpu_count", w.cfg.GPUCount),
		entry("total_gpu_slots", w.cfg.GPUCount),
		entry("ready_gpu_slots", readySlots),
		entry("machine_profile", w.cfg.MachineProfile),
		entry("pool_name", w.cfg.Pool),
		entry("bundle", bundle),
		entry("bundle_config_hash", hash),
		entry("loaded_models", []string{}),
		entry("loading_models", []string{}),
		entry("queue_depth", 0),
		entry("pending_cost", 0),
		entry("inflight_batches", 0),
		entry("saturated", false),
		entry("unsupported_models", unsupported),
	))
}

// publisher is what the heartbeat loop publishes through (bus.Conn).
type publisher interface {
	Publish(subject string, data []byte) error
}

// kickHeartbeat asks for a heartbeat now (NATS came up), without blocking.
func (w *Worker) kickHeartbeat() {
	select {
	case w.heartbeatNow <- struct{}{}:
	default:
	}
}

// runHeartbeats publishes the heartbeat every interval, at once on any
// change the status frames show at once (hash, ready, unfreezing) and when
// NATS comes up, until ctx ends. A frozen worker stays silent, so gateways
// see it go quiet.
func (w *Worker) runHeartbeats(ctx context.Context, pub publisher) {
	subject := HealthSubject(w.name)
	interval := w.cfg.heartbeatInterval()
	tick := time.NewTimer(interval)
	defer tick.Stop()
	for {
		w.mu.Lock()
		frozen, changed := w.frozen, w.changed
		w.mu.Unlock()
		if !frozen {
			// While NATS is down this fails; the reconnect asks for one.
			_ = pub.Publish(subject, w.heartbeat(false))
		}
		tick.Reset(interval)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-changed:
		case <-w.heartbeatNow:
		}
	}
}

// publishTerminated sends the farewell heartbeat: gateways drop the worker
// at once instead of after a silence.
func (w *Worker) publishTerminated(pub publisher) error {
	return pub.Publish(HealthSubject(w.name), w.heartbeat(true))
}

// startHeartbeats runs every worker's heartbeat loop in the health modes
// that publish them; they end with ctx (Shutdown's first step).
func (f *Fleet) startHeartbeats(ctx context.Context) {
	if !f.cfg.publishesHeartbeats() {
		return
	}
	for _, w := range f.workers {
		f.bg.Add(1)
		go func() { defer f.bg.Done(); w.runHeartbeats(ctx, f.conn) }()
	}
}

// sayTerminated publishes every worker's farewell heartbeat; the drain
// that follows delivers them.
func (f *Fleet) sayTerminated() {
	if !f.cfg.publishesHeartbeats() {
		return
	}
	for _, w := range f.workers {
		if err := w.publishTerminated(f.conn); err != nil {
			f.log.Warn("could not publish the terminated heartbeat", "worker", w.name, "err", err)
		}
	}
}
