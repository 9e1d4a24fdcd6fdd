package workers

import (
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sieproject/sie/internal/broadcast"
)

// Worker is one registry entry, keyed by its discovery URL (a WebSocket
// worker) or its heartbeat subject (a NATS worker).
type Worker struct {
	url    string
	source Source
	id     string // a NATS worker's id: the subject's last token
	// mu serializes the state transitions of this worker (its connection
	// goroutine and the heartbeat checker). Lock order: a Worker.mu is a
	// leaf; no other lock is taken while holding it, and no two are held.
	mu            sync.Mutex
	info          atomic.Pointer[Info] // nil until the first status message
	lastHeartbeat atomic.Int64         // unix nanos of the last status message
}

// URL is the discovery URL (the heartbeat subject of a NATS worker).
func (w *Worker) URL() string { return w.url }

// fallbackName is the name of a report without one: the URL of a
// WebSocket worker, the id of a NATS worker.
func (w *Worker) fallbackName() string {
	if w.source == SourceNATS {
		return w.id
	}
	return w.url
}

// Info returns the latest snapshot, or nil before the first message.
func (w *Worker) Info() *Info { return w.info.Load() }

// Registry holds every worker and the views derived from them.
type Registry struct {
	log              *slog.Logger
	heartbeatTimeout time.Duration
	onHealthy        func(*Info)

	// regMu guards changes to the worker list (copy-on-write; readers load
	// workers without locking). Lock order: regMu before a Worker.mu is
	// never needed; it is not held while calling into a Worker.
	regMu   sync.Mutex
	workers atomic.Pointer[[]*Worker] // discovery order
	byURL   sync.Map                  // url → *Worker

	// version counts changes to any Info; the cached view is rebuilt when
	// it is stale. Heartbeat-only messages do not bump it.
	version atomic.Uint64
	view    atomic.Pointer[view]
	viewMu  sync.Mutex // serializes view rebuilds (a leaf lock)
	// changed wakes long-polls on every version bump.
	changed broadcast.Signal
}

// RegistryConfig configures a Registry.
type RegistryConfig struct {
	// HeartbeatTimeout demotes a Healthy worker silent for longer (15 s).
	HeartbeatTimeout time.Duration
	// OnHealthy is called (outside any lock) when a worker becomes Healthy.
	OnHealthy func(*Info)
	Log       *slog.Logger
}

// DefaultHeartbeatTimeout is SIE_GATEWAY_HEARTBEAT_TIMEOUT_S's default.
const DefaultHeartbeatTimeout = 15 * time.Second

// NewRegistry returns an empty registry.
func NewRegistry(cfg RegistryConfig) *Registry {
	if cfg.HeartbeatTimeout <= 0 {
		cfg.HeartbeatTimeout = DefaultHeartbeatTimeout
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	r := &Registry{log: cfg.Log, heartbeatTimeout: cfg.HeartbeatTimeout, onHealthy: cfg.OnHealthy}
	empty := []*Worker{}
	r.workers.Store(&empty)
	return r
}

// Add registers url (idempotent) and returns its entry. The entry is not
// known (listed) until its first status message.
func (r *Registry) Add(url string) *Worker { return r.add(url, SourceWS, "") }

// add registers the entry keyed by url, heard from source.
func (r *Registry) add(url string, source Source, id string) *Worker {
	if w, ok := r.byURL.Load(url); ok {
		return w.(*Worker)
	}
	r.regMu.Lock()
	defer r.regMu.Unlock()
	if w, ok := r.byURL.Load(url); ok {
		return w.(*Worker)
	}
	w := &Worker{url: url, source: source, id: id}
	list := append(append([]*Worker(nil), *r.workers.Load()...), w)
	r.workers.Store(&list)
	r.byURL.Store(url, w)
	return w
}

// Remove drops url from the registry (static workers are never removed;
// NATS workers leave after their farewell or a silence).
func (r *Registry) Remove(url string) { r.removeIf(url, nil) }

// removeIf drops url when keep is nil or reports false for its entry, and
// reports whether it did.
func (r *Registry) removeIf(url string, keep func(*Worker) bool) bool {
	r.regMu.Lock()
	defer r.regMu.Unlock()
	v, ok := r.byURL.Load(url)
	if !ok || (keep != nil && keep(v.(*Worker))) {
		return false
	}
	r.byURL.Delete(url)
	var list []*Worker
	for _, w := range *r.workers.Load() {
		if w.url != url {
			list = append(list, w)
		}
	}
	r.workers.Store(&list)
	r.bump()
	return true
}

// bump records a change to what the registry shows and wakes its waiters.
func (r *Registry) bump() {
	r.version.Add(1)
	r.changed.Notify()
}

// Changed returns a channel closed at the next change of Version; take it
// before reading, so no change between the read and the wait is missed.
func (r *Registry) Changed() <-chan struct{} { return r.changed.Wait() }

// Get returns the entry of url, or nil.
func (r *Registry) Get(url string) *Worker {
	if w, ok := r.byURL.Load(url); ok {
		return w.(*Worker)
	}
	return nil
}

// apply records one parsed status message for w (§7.3–7.4) and reports
// whether the worker became Healthy.
func (r *Registry) apply(w *Worker, raw *rawStatus, now time.Time) bool {
	d := derive(w, raw)
	w.mu.Lock()
	cur := w.info.Load()
	prev := Unknown
	if cur != nil {
		prev = cur.Health
	}
	h := nextOnStatus(prev, cur == nil, raw.ready)
	w.lastHeartbeat.Store(now.UnixNano())
	var next *Info
	if cur == nil || !d.same(cur, h) {
		next = d.build(h, w.source, now)
		w.info.Store(next)
		r.bump()
	}
	w.mu.Unlock()
	if next == nil {
		return false
	}
	became := h == Healthy && (cur == nil || prev != Healthy)
	switch {
	case became:
		r.log.Info("worker became healthy", "worker", next.Name, "url", w.url, "bundle", next.Bundle)
		if r.onHealthy != nil {
			r.onHealthy(next)
		}
	case h == Unhealthy && prev == Healthy:
		r.log.Warn("worker reported ready=false; marked unhealthy", "worker", next.Name, "url", w.url)
	}
	return became
}

// HandleMessage parses a status frame for the worker at url (registering it
// if needed) and applies it. It is the allocation-heavy path for tests and
// one-off callers; connections reuse a parser.
func (r *Registry) HandleMessage(url string, data []byte, now time.Time) error {
	var s scanner
	var raw rawStatus
	if err := parseStatus(&s, data, &raw); err != nil {
		return err
	}
	r.apply(r.Add(url), &raw, now)
	return nil
}

// MarkUnhealthy records a lost connection: a known worker becomes
// Unhealthy; an unknown URL is a no-op.
func (r *Registry) MarkUnhealthy(url, reason string) {
	if w := r.Get(url); w != nil {
		r.demote(w, func(i *Info) bool { return i.Health != Unhealthy || i.Connected }, reason)
	}
}

// demote marks a known worker Unhealthy and disconnected when cond holds
// for its current report.
func (r *Registry) demote(w *Worker, cond func(*Info) bool, reason string) bool {
	w.mu.Lock()
	cur := w.info.Load()
	if cur == nil || !cond(cur) {
		w.mu.Unlock()
		return false
	}
	w.info.Store(disconnected(cur))
	r.bump()
	w.mu.Unlock()
	r.log.Warn("worker marked unhealthy", "worker", cur.Name, "url", w.url, "reason", reason)
	return true
}

// CheckHeartbeats demotes every Healthy worker whose last message is older
// than the heartbeat timeout, and returns how many it demoted.
func (r *Registry) CheckHeartbeats(now time.Time) int {
	n := 0
	for _, w := range *r.workers.Load() {
		if since(now, w.lastHeartbeat.Load()) <= r.heartbeatTimeout {
			continue
		}
		if r.demote(w, func(i *Info) bool { return i.Health == Healthy }, "missed heartbeat") {
			n++
		}
	}
	return n
}

// LastHeartbeat is the time of the worker's last status message.
func (r *Registry) LastHeartbeat(url string) (time.Time, bool) {
	w := r.Get(url)
	if w == nil || w.info.Load() == nil {
		return time.Time{}, false
	}
	return time.Unix(0, w.lastHeartbeat.Load()), true
}

// Workers returns every known worker (one that has sent a status message),
// healthy or not, sorted by URL.
// A worker heard both over WebSocket and NATS (same name) is listed once.
// Callers must not modify the slice.
func (r *Registry) Workers() []*Info { return r.current().all }

// Healthy returns the Healthy workers, sorted by URL.
func (r *Registry) Healthy() []*Info {
	var out []*Info
	for _, info := range r.Workers() {
		if info.Healthy() {
			out = append(out, info)
		}
	}
	return out
}
