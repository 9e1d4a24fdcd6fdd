package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sieproject/sie/internal/broadcast"
	"github.com/sieproject/sie/internal/logging"
)

// Defaults of the sync knobs (sie-gateway.md §1.2, §3.2).
const (
	DefaultPollInterval     = 30 * time.Second
	DefaultBackoffInitial   = time.Second
	DefaultBackoffMax       = 60 * time.Second
	DefaultDegradedFailures = 10
	DefaultDegradedAfter    = 300 * time.Second
	// DefaultResyncInterval is the least time between the starts of two
	// resync attempts: hostile or broken deltas cannot turn into an
	// /export storm.
	DefaultResyncInterval = time.Second
	// DefaultBufferBytes caps the deltas kept for replay during one resync
	// (payload bytes); a resync that overflows it restarts.
	DefaultBufferBytes = 64 << 20
	// maxBuffered caps the number of deltas kept for replay during one resync.
	maxBuffered = 10000
)

// Config configures a Mirror. Zero values take the defaults.
type Config struct {
	// ConfigURL is sie-config's base URL; "" is filesystem-seed-only mode
	// (no bootstrap, no poller, ready at once).
	ConfigURL string
	// Token is the outbound bearer ("" sends no Authorization header).
	Token      string
	HTTPClient *http.Client
	// Trusted is the producer allow-list; empty trusts every producer.
	Trusted Trust
	// Seed is the state served until the first resync (nil: empty).
	Seed *State

	PollInterval     time.Duration
	BackoffInitial   time.Duration
	BackoffMax       time.Duration
	DegradedFailures int
	DegradedAfter    time.Duration

	// DeltaFilter is a test hook: a message for which it returns false is
	// dropped before any processing, as if NATS had lost it.
	DeltaFilter func(data []byte) bool

	// ExportMaxBytes caps one /export read (DefaultExportMaxBytes when 0).
	ExportMaxBytes int64
	// ResyncInterval is the least time between resync starts
	// (DefaultResyncInterval when 0).
	ResyncInterval time.Duration
	// BufferBytes caps the replay buffer (DefaultBufferBytes when 0).
	BufferBytes int

	Metrics *Metrics // nil: unregistered metrics
	Log     *slog.Logger
}

func (c *Config) defaults() {
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.BackoffInitial <= 0 {
		c.BackoffInitial = DefaultBackoffInitial
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = DefaultBackoffMax
	}
	if c.DegradedFailures <= 0 {
		c.DegradedFailures = DefaultDegradedFailures
	}
	if c.DegradedAfter <= 0 {
		c.DegradedAfter = DefaultDegradedAfter
	}
	if c.Metrics == nil {
		c.Metrics = NewMetrics(nil)
	}
	if c.Log == nil {
		c.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Seed == nil {
		c.Seed = emptyState()
	}
	if c.ResyncInterval <= 0 {
		c.ResyncInterval = DefaultResyncInterval
	}
	if c.BufferBytes <= 0 {
		c.BufferBytes = DefaultBufferBytes
	}
}

// Mirror is the gateway's config mirror and its sync machinery.
type Mirror struct {
	cfg     Config
	log     *slog.Logger
	metrics *Metrics
	client  *configClient // nil without ConfigURL

	snap atomic.Pointer[State]
	// settling is set while the background hash upkeep runs (settle).
	settling atomic.Bool
	ready    atomic.Bool

	// mu is the state lock: it serializes every state change (delta apply,
	// the start, swap or failure of a resync attempt). Lock order: mu may be
	// held while taking reqMu, never the other way round; degMu is never
	// held with either.
	mu          sync.Mutex
	resyncing   bool               // an attempt's fetches are in flight (guarded by mu)
	buffer      []bufferedDelta    // deltas received meanwhile, for replay (guarded by mu)
	bufferBytes int                // their payload bytes (guarded by mu)
	abort       context.CancelFunc // cancels the attempt in flight (guarded by mu)
	overflowed  bool               // the attempt's buffer overflowed (guarded by mu)

	// source is the router id of the sie-config the mirror bootstraps
	// from: trusted besides the configured list (sie-gateway learns it from
	// the X-SIE-Router-Id header of /export).
	source atomic.Pointer[string]
	// Rate-limited warnings: one flood of hostile deltas costs a bounded
	// amount of log.
	warnings *logging.Sampler

	// reqMu guards pending, the trigger of the queued resync request.
	reqMu   sync.Mutex
	pending string
	wake    chan struct{} // capacity 1: one queued request at most (coalescing)
	running atomic.Bool   // an attempt is running or waiting for its retry
	// lastStart is when the last attempt started (only runResyncs touches it).
	lastStart time.Time

	// degMu guards the failure run that drives the degraded gauge.
	degMu       sync.Mutex
	failures    int
	failGen     uint64
	degraded    bool
	degradeTime *time.Timer

	// changed wakes status long-polls on every published state.
	changed broadcast.Signal

	wg sync.WaitGroup
}

// New returns a mirror serving cfg.Seed. Call Start to begin syncing.
func New(cfg Config) *Mirror {
	cfg.defaults()
	m := &Mirror{cfg: cfg, log: cfg.Log, metrics: cfg.Metrics, wake: make(chan struct{}, 1),
		warnings: logging.NewSampler(10*time.Second, 20)}
	if cfg.ConfigURL != "" {
		m.client = newConfigClient(cfg.ConfigURL, cfg.Token, cfg.HTTPClient, cfg.ExportMaxBytes)
	} else {
		m.ready.Store(true)
	}
	seed := *cfg.Seed
	seed.history = history{}.advance(emptyState(), &seed)
	m.snap.Store(&seed)
	m.metrics.setEpoch(seed.epoch)
	return m
}

// Snapshot returns the current state. It never blocks.
func (m *Mirror) Snapshot() *State { return m.snap.Load() }

// Ready reports whether the mirror may be served as ready (D3j): always
// without a config URL, else once the first resync succeeded.
func (m *Mirror) Ready() bool { return m.ready.Load() }

// Start runs the first bootstrap at once and the poller, when a config URL
// is set. They stop when ctx ends; Wait waits for them.
func (m *Mirror) Start(ctx context.Context) {
	if m.client == nil {
		return
	}
	m.RequestResync(TriggerStartup)
	m.wg.Add(2)
	go func() { defer m.wg.Done(); m.runResyncs(ctx) }()
	go func() { defer m.wg.Done(); m.runPoller(ctx) }()
}

// Wait blocks until the goroutines started by Start have returned.
func (m *Mirror) Wait() { m.wg.Wait() }

// publish swaps next in and wakes the waiters of Changed; the caller holds
// mu. next is the writer's own fresh copy, so its history is set here.
//
// A state whose expected hashes are pending (a delta's model changed) is
// published at once, so the model is visible without waiting for the
// hashing; its hash upkeep is then done in the background (settle), or by
// the first reader that needs the hashes, whichever comes first.
func (m *Mirror) publish(prev, next *State) {
	if next == prev {
		return
	}
	if next.index.Pending() {
		owe(prev, next)
		m.snap.Store(next)
		m.settleLater()
	} else {
		_, h := prev.view()
		next.history = h.advance(prev, next)
		m.snap.Store(next)
	}
	if next.epoch != prev.epoch {
		m.metrics.setEpoch(next.epoch)
	}
	m.changed.Notify()
}

// settleLater starts the background hash upkeep unless it is running.
func (m *Mirror) settleLater() {
	if m.settling.CompareAndSwap(false, true) {
		go m.settle()
	}
}

// settle does the hash upkeep of the published state and swaps in its
// settled copy (the same content), so later deltas derive from a settled
// index and re-hash only what they change. It runs until the current state
// owes nothing.
func (m *Mirror) settle() {
	for {
		cur := m.snap.Load()
		if cur.upkeep == nil {
			m.settling.Store(false)
			// A state published between the load and the flag reset would
			// have found the flag set: look once more.
			if cur = m.snap.Load(); cur.upkeep == nil || !m.settling.CompareAndSwap(false, true) {
				return
			}
			continue
		}
		settled := cur.settledCopy()
		m.mu.Lock()
		if m.snap.Load() == cur {
			m.snap.Store(settled)
		}
		m.mu.Unlock()
	}
}

// Changed returns a channel closed when the next state is published; take
// it before reading the snapshot, so no change in between is missed.
func (m *Mirror) Changed() <-chan struct{} { return m.changed.Wait() }
