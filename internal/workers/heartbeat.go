package workers

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// NATS health mode (extensions E6): a worker publishes its heartbeat on
// sie.health.<id>; the gateway registers it at its first heartbeat and
// removes it after a heartbeat with terminated: true or a silence.

// HealthSubjectPrefix starts every heartbeat subject; HealthSubjects
// matches them all.
const (
	HealthSubjectPrefix = "sie.health."
	HealthSubjects      = HealthSubjectPrefix + ">"
)

// Defaults of the NATS health knobs.
const (
	// DefaultSilenceTimeout is SIE_GATEWAY_NATS_HEALTH_TIMEOUT_S's default:
	// a NATS worker silent this long leaves the registry.
	DefaultSilenceTimeout = 30 * time.Second
	// DefaultExpiryInterval is how often silences are checked.
	DefaultExpiryInterval = time.Second
)

// HeartbeatConfig configures Heartbeats.
type HeartbeatConfig struct {
	SilenceTimeout time.Duration // 30 s
	ExpiryInterval time.Duration // 1 s
	// Metrics registers the heartbeat counters (nil: not exported).
	Metrics prometheus.Registerer
}

// Heartbeats applies NATS heartbeats to a registry and expires the
// workers that went silent.
type Heartbeats struct {
	reg *Registry
	cfg HeartbeatConfig

	// mu serializes Handle: the parser state is reused across messages.
	// A leaf lock above Registry's (it is held while calling into it).
	mu      sync.Mutex
	scan    scanner
	raw     rawStatus
	invalid int // invalid messages so far, to rate-limit warnings

	messages *prometheus.CounterVec
	removed  *prometheus.CounterVec
}

// NewHeartbeats returns the heartbeat handler of reg.
func NewHeartbeats(reg *Registry, cfg HeartbeatConfig) *Heartbeats {
	if cfg.SilenceTimeout <= 0 {
		cfg.SilenceTimeout = DefaultSilenceTimeout
	}
	if cfg.ExpiryInterval <= 0 {
		cfg.ExpiryInterval = DefaultExpiryInterval
	}
	h := &Heartbeats{reg: reg, cfg: cfg,
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sie_gateway_worker_heartbeats_total",
			Help: "NATS worker heartbeats received, by result (applied, terminated, invalid).",
		}, []string{"result"}),
		removed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sie_gateway_workers_removed_total",
			Help: "NATS-discovered workers removed, by reason (terminated, silence).",
		}, []string{"reason"}),
	}
	for _, r := range []string{"applied", "terminated", "invalid"} {
		h.messages.WithLabelValues(r)
	}
	for _, r := range []string{"terminated", "silence"} {
		h.removed.WithLabelValues(r)
	}
	if cfg.Metrics != nil {
		cfg.Metrics.MustRegister(h.messages, h.removed)
	}
	return h
}

// HealthID is the worker id of a heartbeat subject: its last token.
func HealthID(subject string) string { return subject[strings.LastIndexByte(subject, '.')+1:] }

// Handle applies one heartbeat received on subject at now: the first one
// registers the worker, later ones update it like status frames, and one
// with terminated: true removes it. An invalid message is ignored.
func (h *Heartbeats) Handle(subject string, data []byte, now time.Time) {
	id := HealthID(subject)
	if !strings.HasPrefix(subject, HealthSubjectPrefix) || id == "" {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := parseStatus(&h.scan, data, &h.raw); err != nil {
		h.messages.WithLabelValues("invalid").Inc()
		h.invalid++
		if h.invalid&(h.invalid-1) == 0 { // 1st, 2nd, 4th, 8th…: a flood stays quiet
			h.reg.log.Warn("ignoring invalid worker heartbeat", "subject", subject, "bytes", len(data), "invalid_so_far", h.invalid)
		}
		return
	}
	if h.raw.terminated {
		h.messages.WithLabelValues("terminated").Inc()
		name := id
		if w := h.reg.Get(subject); w != nil {
			if info := w.info.Load(); info != nil {
				name = info.Name
			}
		}
		if h.reg.removeIf(subject, nil) {
			h.removed.WithLabelValues("terminated").Inc()
			h.reg.log.Info("worker left (terminated heartbeat)", "worker", name, "subject", subject)
		}
		return
	}
	h.messages.WithLabelValues("applied").Inc()
	for {
		w := h.reg.add(subject, SourceNATS, id)
		h.reg.apply(w, &h.raw, now)
		// The expiry may have removed the entry between add and apply;
		// then the heartbeat registers the worker anew.
		if h.reg.Get(subject) == w {
			return
		}
	}
}

// Expire removes every NATS worker silent for longer than the silence
// timeout at now, and returns how many it removed.
func (h *Heartbeats) Expire(now time.Time) int {
	n := 0
	for _, w := range *h.reg.workers.Load() {
		if w.source != SourceNATS || since(now, w.lastHeartbeat.Load()) <= h.cfg.SilenceTimeout {
			continue
		}
		// Re-checked under the registry lock: a heartbeat since keeps it.
		heardSince := func(w *Worker) bool { return since(now, w.lastHeartbeat.Load()) <= h.cfg.SilenceTimeout }
		if h.reg.removeIf(w.url, heardSince) {
			n++
			h.removed.WithLabelValues("silence").Inc()
			name := w.id
			if info := w.info.Load(); info != nil {
				name = info.Name
			}
			h.reg.log.Warn("worker removed after a heartbeat silence", "worker", name, "subject", w.url, "timeout", h.cfg.SilenceTimeout)
		}
	}
	return n
}

// RunExpiry calls Expire every expiry interval until ctx ends.
func (h *Heartbeats) RunExpiry(ctx context.Context) {
	t := time.NewTicker(h.cfg.ExpiryInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			h.Expire(now)
		}
	}
}
