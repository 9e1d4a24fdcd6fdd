// Package controlplane is sie-config's write pipeline: it owns the registry
// snapshot and the epoch, serialises writes, persists them, and announces
// them on NATS in epoch order.
package controlplane

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/store"
)

// Store is the durable layer the pipeline writes through. Nil means no
// store: the API layer and the epoch live in memory.
type Store interface {
	WriteEpoch(ctx context.Context, epoch int64) error
	WriteModel(ctx context.Context, id string, text []byte) error
	DeleteModel(ctx context.Context, id string) error
}

// Publisher sends deltas. Nil means standalone (no NATS configured).
type Publisher interface {
	Connected() bool
	MaxPayload() int64
	PublishMsg(subject string, headers map[string]string, data []byte) error
}

// GenerationHeader carries sie-config's generation on every delta.
const GenerationHeader = bus.GenerationHeader

// Service is the single writer.
//
// Lock order: writeMu, then queueMu or the outbox's lock, never the other
// way round. Writers queue themselves under queueMu alone; whoever holds
// writeMu commits what is queued as one group (group.go); a queued writer
// whose group someone else committed returns without taking writeMu. Readers never lock: they load the committed state atomically, and
// that one pointer holds the epoch, the snapshot and the generation
// together, so /export is consistent without waiting for a writer.
type Service struct {
	writeMu writeLock
	queueMu sync.Mutex
	queue   []*queued // writes waiting for a group commit; guarded by queueMu

	state atomic.Pointer[committed]
	// changed is closed and replaced on every commit (epoch long-polls).
	changed atomic.Pointer[chan struct{}]
	// epochWaiters counts blocked long-polls (tests wait for them).
	epochWaiters atomic.Int64
	// unavailable, when set, refuses every write: the store could not be
	// initialised yet, so the epoch and the API layer are unknown.
	unavailable atomic.Pointer[StoreError]

	store          Store
	journal        store.Journal // non-nil: replicas share the store (replica.go)
	pos            uint64        // the journal position applied; guarded by writeMu
	pub            Publisher
	out            *outbox // nil without NATS
	publishTimeout time.Duration
	routerID       string
	// requireServable refuses POST and PUT documents workers cannot serve.
	requireServable bool
	metrics         *Metrics
	log             *slog.Logger
}

// committed is one state readers may see: everything in it belongs together.
type committed struct {
	epoch      int64
	snap       *catalog.Snapshot // nil: registry absent
	generation string
}

// Config wires a Service.
type Config struct {
	Snapshot *catalog.Snapshot // nil when the registry failed to load
	Epoch    int64             // the epoch read from the store (0 without one)
	// Generation identifies the epoch sequence (a random 128-bit hex id of
	// the store, or of the process without one); "" creates a fresh one.
	Generation string
	Store      Store
	Pub        Publisher
	RouterID   string // publisher id; reported as "standalone" when Pub is nil
	// PublishTimeout bounds a write's wait for its deltas
	// (DefaultPublishTimeout when zero).
	PublishTimeout time.Duration
	// PermanentPublishError tells a message NATS will never take (dropped)
	// from a transient failure (kept for re-sending). Nil: all transient.
	PermanentPublishError func(error) bool
	// RequireServable refuses POST and PUT documents whose worker view is
	// stub or ignored (SIE_CONFIG_REQUIRE_SERVABLE).
	RequireServable bool
	Metrics         *Metrics
	Log             *slog.Logger
}

// New returns a service over an initial snapshot.
func New(cfg Config) *Service {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{store: cfg.Store, pub: cfg.Pub, routerID: cfg.RouterID, metrics: cfg.Metrics, log: cfg.Log,
		publishTimeout: cfg.PublishTimeout, requireServable: cfg.RequireServable, writeMu: newWriteLock()}
	if s.publishTimeout <= 0 {
		s.publishTimeout = DefaultPublishTimeout
	}
	if j, ok := cfg.Store.(store.Journal); ok {
		s.journal = j
	}
	if s.pub == nil {
		s.routerID = "standalone"
	} else {
		s.out = newOutbox(s.pub, cfg.Log, cfg.PermanentPublishError)
	}
	gen := cfg.Generation
	if gen == "" {
		gen = store.NewGeneration()
	}
	ch := make(chan struct{})
	s.changed.Store(&ch)
	s.commit(cfg.Snapshot, cfg.Epoch, gen)
	return s
}

// Close stops the publisher goroutine (after the NATS connection is
// closed, so a publish in progress has ended).
func (s *Service) Close() {
	if s.out != nil {
		s.out.close(5 * time.Second)
	}
}

// Block refuses writes with err until Unblock; used while the store is
// unreachable at startup.
func (s *Service) Block(err error) {
	s.unavailable.Store(&StoreError{Message: "Config store unavailable: " + store.Reason(err) + ".", Err: err})
}

// storeNotReadMessage refuses writes while the store is read at startup.
const storeNotReadMessage = "Config store not read yet: restoring the stored documents."

// BlockRestoring refuses writes until Unblock while sie-config reads its
// store at startup (the epoch, the generation, the stored documents).
func (s *Service) BlockRestoring() {
	s.unavailable.Store(&StoreError{Message: storeNotReadMessage})
}

// Unblock installs the state read from the store and accepts writes again.
func (s *Service) Unblock(snap *catalog.Snapshot, epoch int64, generation string) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if generation == "" {
		generation = s.state.Load().generation
	}
	s.commit(snap, epoch, generation)
	s.unavailable.Store(nil)
}

// Unavailable returns the reason writes are refused, or nil.
func (s *Service) Unavailable() error {
	if e := s.unavailable.Load(); e != nil {
		return e
	}
	return nil
}

// Snapshot returns the current registry, or nil when it is absent.
func (s *Service) Snapshot() *catalog.Snapshot { return s.state.Load().snap }

// Epoch returns the current epoch.
func (s *Service) Epoch() int64 { return s.state.Load().epoch }

// Generation returns the id of the current epoch sequence.
func (s *Service) Generation() string { return s.state.Load().generation }

// RouterID is the publisher id reported in responses and payloads.
func (s *Service) RouterID() string { return s.routerID }

// NATSConfigured reports whether deltas are published.
func (s *Service) NATSConfigured() bool { return s.pub != nil }

// NATSConnected reports whether a configured NATS is up.
func (s *Service) NATSConnected() bool { return s.pub != nil && s.pub.Connected() }

// Exported is a consistent view for /export.
type Exported struct {
	Epoch      int64
	Snapshot   *catalog.Snapshot
	Generation string
}

// Export returns the committed snapshot, epoch and generation. They are
// swapped in together as one pointer, so they always describe the same
// state, and no writer (nor a publish) is ever waited for.
func (s *Service) Export() Exported {
	st := s.state.Load()
	return Exported{Epoch: st.epoch, Snapshot: st.snap, Generation: st.generation}
}

func (s *Service) refreshGauges(snap *catalog.Snapshot) {
	if s.metrics == nil {
		return
	}
	s.metrics.Epoch.Set(float64(s.state.Load().epoch))
	if snap != nil {
		api, fs := snap.CountBySource()
		s.metrics.Models.WithLabelValues(catalog.SourceAPI).Set(float64(api))
		s.metrics.Models.WithLabelValues(catalog.SourceFilesystem).Set(float64(fs))
	}
}
