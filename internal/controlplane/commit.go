package controlplane

import (
	"context"

	"github.com/sieproject/sie/internal/catalog"
)

// commit makes snap (settled), epoch and generation the visible state (a
// nil snap keeps the current registry) and wakes epoch waiters. The caller
// holds writeMu (or is New, before the service is shared).
func (s *Service) commit(snap *catalog.Snapshot, epoch int64, generation string) {
	if snap == nil {
		if cur := s.state.Load(); cur != nil {
			snap = cur.snap
		}
	}
	if snap != nil {
		snap = snap.Settled()
	}
	s.state.Store(&committed{epoch: epoch, snap: snap, generation: generation})
	s.refreshGauges(snap)
	s.notifyCommit()
}

// committedView returns the last committed registry and epoch, consistent
// with each other, without locking.
func (s *Service) committedView() (*catalog.Snapshot, int64) {
	v := s.state.Load()
	return v.snap, v.epoch
}

// notifyCommit wakes every WaitEpoch; call it after each change of the
// visible epoch.
func (s *Service) notifyCommit() {
	next := make(chan struct{})
	close(*s.changed.Swap(&next))
}

// WaitEpoch blocks until the epoch is greater than after or ctx ends, and
// returns the epoch then. It does not poll: every commit wakes it.
func (s *Service) WaitEpoch(ctx context.Context, after int64) int64 {
	s.epochWaiters.Add(1)
	defer s.epochWaiters.Add(-1)
	for {
		// Load the channel before the epoch: a commit after the check closes
		// exactly this channel.
		ch := *s.changed.Load()
		if e := s.Epoch(); e > after {
			return e
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return s.Epoch()
		}
	}
}

// EpochWaiters is the number of WaitEpoch calls blocked right now.
func (s *Service) EpochWaiters() int { return int(s.epochWaiters.Load()) }
