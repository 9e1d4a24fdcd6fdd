package controlplane

import (
	"context"
	"slices"

	"github.com/sieproject/sie/internal/catalog"
)

// maxGroup bounds how many queued writes one group commit takes.
const maxGroup = 256

// queued is one write waiting for the group commit that carries it.
type queued struct {
	plan planFunc
	done chan struct{} // closed once the fields below are set

	epoch   int64
	ann     *announcement
	changed bool
	err     error
}

// step is a planned change of a group, with the epoch it gets.
type step struct {
	q     *queued
	ch    change
	epoch int64
	// settled is ch.next with its hashes computed; set by planGroup for
	// every step but the group's last (settleAll computes that one).
	settled *catalog.Snapshot
}

// submit queues plan and returns once a group commit has decided it.
//
// Group commit: whoever holds writeMu commits everything queued so far as
// one group (writes that arrive meanwhile queue up for the next). The group
// is planned in queue order, each plan against the state the previous ones
// leave, so every write gets its own epoch and delta exactly as if the
// writes had run one after another; the store then writes the documents'
// temp files in parallel, the epoch once (the group's last), renames the
// documents in order and fsyncs the directory once. A lone writer is a
// group of one: the same store operations as before. On a journal store
// shared by replicas, the writes of a group are committed one after
// another, each as its own record (commitReplicated).
func (s *Service) submit(plan planFunc) *queued {
	q := &queued{plan: plan, done: make(chan struct{})}
	s.queueMu.Lock()
	s.queue = append(s.queue, q)
	s.queueMu.Unlock()
	for s.writeMu.lockOrDone(q.done) {
		select {
		case <-q.done:
		default:
			s.commitGroup()
		}
		s.writeMu.Unlock()
	}
	return q
}

// takeGroup removes up to maxGroup writes from the head of the queue.
func (s *Service) takeGroup() []*queued {
	s.queueMu.Lock()
	defer s.queueMu.Unlock()
	n := min(len(s.queue), maxGroup)
	group := s.queue[:n:n]
	if rest := s.queue[n:]; len(rest) > 0 {
		s.queue = slices.Clone(rest)
	} else {
		s.queue = nil
	}
	return group
}

// commitGroup plans, persists, commits and announces one group. The caller
// holds writeMu.
func (s *Service) commitGroup() {
	group := s.takeGroup()
	defer func() {
		for _, q := range group {
			close(q.done)
		}
	}()
	if e := s.unavailable.Load(); e != nil {
		failAll(group, e)
		return
	}
	cur := s.state.Load()
	if cur.snap == nil {
		failAll(group, RegistryUnavailableError{})
		return
	}
	if s.journal != nil {
		// Replicas: each write is its own journal record, committed by
		// compare-and-set on the position and re-planned after a lost
		// race (replica.go), in queue order.
		for _, q := range group {
			s.commitReplicated(q)
		}
		return
	}
	steps, position := s.planGroup(group, cur)
	if len(steps) == 0 {
		return
	}
	settled := settleAll(steps)
	n, err := len(steps), error(nil)
	if s.store != nil {
		// The store work must not be abandoned half-way because a client
		// hung up: the rollback depends on it running to the end.
		sctx, cancel := context.WithTimeout(context.Background(), storeOpTimeout)
		n, err = s.persistGroup(sctx, steps, cur.epoch)
		cancel()
	}
	snaps := settled()
	if n > 0 {
		deltas := make([][]delta, n)
		for i := range n {
			deltas[i] = s.buildDeltas(steps[i].ch, steps[i].epoch, bundleHashes(snaps[i], steps[i].ch.targets))
		}
		s.commit(snaps[n-1], steps[n-1].epoch, cur.generation)
		for i := range n {
			st := steps[i]
			st.q.epoch, st.q.changed, st.q.ann = st.epoch, true, s.announce(deltas[i], cur.generation)
		}
	}
	if err == nil {
		return
	}
	// Every write planned after the first one the store refused was planned
	// on a state that never came to be: it fails with the store's error.
	failed := position[n]
	for i, q := range group {
		if i >= failed {
			q.epoch, q.changed, q.ann, q.err = 0, false, nil, err
		}
	}
}

func failAll(group []*queued, err error) {
	for _, q := range group {
		q.err = err
	}
}

// planGroup plans each write of group in order against the state the
// previous ones leave. It returns the changes to make, and for each change
// index i (and len(steps)) the position in group of its write: the writes
// before position[i] depend only on the first i changes.
//
// A write is planned on the previous change settled (its hashes computed):
// the hashes of each change then resume from hasher states saved before
// it, instead of re-hashing from the group's earliest change, and no
// change has to be applied twice. Only the group's last change is left to
// settle while the store works (settleAll).
func (s *Service) planGroup(group []*queued, cur *committed) (steps []step, position []int) {
	snap, epoch := cur.snap, cur.epoch
	for i, q := range group {
		if n := len(steps); n > 0 && steps[n-1].settled == nil {
			steps[n-1].settled = snap.Settled()
			snap = steps[n-1].settled
		}
		ch, _, err := q.plan(snap)
		switch {
		case err != nil:
			q.err = err
		case ch == nil:
			q.epoch = epoch // the epoch its answer describes
		default:
			next := ch.next
			hashes := func() map[string]string { return bundleHashes(next.Settled(), ch.targets) }
			if err := s.checkMaxPayload(*ch, epoch+1, hashes); err != nil {
				q.err = err
				continue
			}
			epoch++
			steps = append(steps, step{q: q, ch: *ch, epoch: epoch})
			position = append(position, i)
			snap = next
		}
	}
	return steps, append(position, len(group))
}

// settleAll returns each step's settled snapshot; the last step's hashes
// are computed while the store works, and the returned function waits for
// them. (planGroup settled the others: each step's snapshot derives from
// the previous one settled, so settling it resumes from there.)
func settleAll(steps []step) func() []*catalog.Snapshot {
	out := make([]*catalog.Snapshot, len(steps))
	for i, st := range steps[:len(steps)-1] {
		out[i] = st.settled
	}
	last := steps[len(steps)-1].ch.next
	done := make(chan struct{})
	go func() {
		defer close(done)
		out[len(out)-1] = last.Settled()
	}()
	return func() []*catalog.Snapshot {
		<-done
		return out
	}
}
