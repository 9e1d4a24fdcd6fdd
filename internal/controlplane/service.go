// Package controlplane is sie-config's write pipeline: it owns the registry
// snapshot and the epoch, serialises writes, persists them, and announces
// them on NATS in epoch order.
package controlplane

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/sieproject/sie/internal/catalog"
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
	Publish(subject string, data []byte) error
}

// Service is the single writer.
//
// Lock order: writeMu is the only lock taken on the write path; readers
// never lock (they load snap and epoch atomically). Export takes writeMu so
// its epoch and models describe the same state.
type Service struct {
	writeMu sync.Mutex

	snap  atomic.Pointer[catalog.Snapshot] // nil: registry absent
	epoch atomic.Int64
	// view holds snap and epoch as one value, for readers that need both
	// without taking writeMu (dry runs); changed is closed and replaced on
	// every commit (epoch long-polls). Both are set by commit.
	view    atomic.Pointer[commitView]
	changed atomic.Pointer[chan struct{}]
	// epochWaiters counts blocked long-polls (tests wait for them).
	epochWaiters atomic.Int64
	// unavailable, when set, refuses every write: the store could not be
	// initialised yet, so the epoch and the API layer are unknown.
	unavailable atomic.Pointer[StoreError]

	store   Store
	pub     Publisher
	pending []pendingMsg // failed publishes awaiting a re-send; guarded by writeMu
	// pendingCount mirrors len(pending) for lock-free checks.
	pendingCount atomic.Int64
	routerID     string
	// requireServable refuses POST and PUT documents workers cannot serve.
	requireServable bool
	metrics         *Metrics
	log             *slog.Logger
}

// Config wires a Service.
type Config struct {
	Snapshot *catalog.Snapshot // nil when the registry failed to load
	Epoch    int64             // the epoch read from the store (0 without one)
	Store    Store
	Pub      Publisher
	RouterID string // publisher id; reported as "standalone" when Pub is nil
	// RequireServable refuses POST and PUT documents whose worker view is
	// stub or ignored (SIE_CONFIG_REQUIRE_SERVABLE).
	RequireServable bool
	Metrics         *Metrics
	Log             *slog.Logger
}

// New returns a service over an initial snapshot.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, pub: cfg.Pub, routerID: cfg.RouterID, requireServable: cfg.RequireServable,
		metrics: cfg.Metrics, log: cfg.Log}
	if s.pub == nil {
		s.routerID = "standalone"
	}
	ch := make(chan struct{})
	s.changed.Store(&ch)
	s.commit(cfg.Snapshot, cfg.Epoch)
	return s
}

// Block refuses writes with err until Unblock; used while the store is
// unreachable at startup.
func (s *Service) Block(err error) {
	s.unavailable.Store(&StoreError{Message: "Config store unavailable: " + err.Error(), Err: err})
}

// Unblock installs the state read from the store and accepts writes again.
func (s *Service) Unblock(snap *catalog.Snapshot, epoch int64) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if snap == nil {
		snap = s.snap.Load()
	}
	s.commit(snap, epoch)
	s.unavailable.Store(nil)
}

// Unavailable returns the reason writes are refused, or nil.
func (s *Service) Unavailable() error {
	if e := s.unavailable.Load(); e != nil {
		return e
	}
	return nil
}

// begin takes the write lock and returns the snapshot to write against.
// The caller must unlock writeMu when err is nil.
func (s *Service) begin() (*catalog.Snapshot, error) {
	s.writeMu.Lock()
	if e := s.unavailable.Load(); e != nil {
		s.writeMu.Unlock()
		return nil, e
	}
	snap := s.snap.Load()
	if snap == nil {
		s.writeMu.Unlock()
		return nil, RegistryUnavailableError{}
	}
	return snap, nil
}

// Snapshot returns the current registry, or nil when it is absent.
func (s *Service) Snapshot() *catalog.Snapshot { return s.snap.Load() }

// Epoch returns the current epoch.
func (s *Service) Epoch() int64 { return s.epoch.Load() }

// RouterID is the publisher id reported in responses and payloads.
func (s *Service) RouterID() string { return s.routerID }

// NATSConfigured reports whether deltas are published.
func (s *Service) NATSConfigured() bool { return s.pub != nil }

// NATSConnected reports whether a configured NATS is up.
func (s *Service) NATSConnected() bool { return s.pub != nil && s.pub.Connected() }

// Exported is a consistent view for /export.
type Exported struct {
	Epoch    int64
	Snapshot *catalog.Snapshot
}

// Export returns the snapshot and epoch taken together under the write lock.
func (s *Service) Export() Exported {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return Exported{Epoch: s.epoch.Load(), Snapshot: s.snap.Load()}
}

func (s *Service) refreshGauges(snap *catalog.Snapshot) {
	if s.metrics == nil {
		return
	}
	s.metrics.Epoch.Set(float64(s.epoch.Load()))
	if snap != nil {
		api, fs := snap.CountBySource()
		s.metrics.Models.WithLabelValues(catalog.SourceAPI).Set(float64(api))
		s.metrics.Models.WithLabelValues(catalog.SourceFilesystem).Set(float64(fs))
	}
}
