package controlplane

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/store"
)

// Active-active replicas. With a journal store (nats://) every replica
// accepts writes: a write is planned on this replica's state at journal
// position pos and committed as one record on condition that the journal
// is still at pos. A replica that lost the race applies the records it
// missed and plans again, so the answer is the one the write gets when
// serialized after the winner; epochs stay unique and gapless because each
// is the previous record's plus one. A follower applies the other
// replicas' records as they are appended. Deltas are published only by the
// replica that made the change, in its epoch order.
//
// Writes queued for a group commit (group.go) run here one by one, each
// its own record: the journal's compare-and-set takes one change at a time.
//
// pos is guarded by writeMu, like every state change.

// maxReplans bounds how often one write is planned again after losing a
// race; beyond it the write fails with 503 (the journal is too busy).
const maxReplans = 100

// Replicated reports whether the store is a journal several replicas share.
func (s *Service) Replicated() bool { return s.journal != nil }

// LoadJournal installs the journal's state (documents over snap's seeds,
// epoch, generation), catches up to its end and accepts writes. It is
// sie-config's startup (and retry) with a journal store: there the
// registry always follows the store, so it restores whether or not
// SIE_CONFIG_RESTORE is set.
func (s *Service) LoadJournal(ctx context.Context, snap *catalog.Snapshot) error {
	gen, err := s.journal.EnsureGeneration(ctx)
	if err != nil {
		return err
	}
	l, err := s.journal.Load(ctx)
	if err != nil {
		return err
	}
	if snap != nil && len(l.Models) > 0 {
		names := make([]string, len(l.Models))
		texts := make(map[string][]byte, len(l.Models))
		for i, m := range l.Models {
			names[i], texts[m.Name] = m.Name, m.Text
		}
		read := func(_ context.Context, name string) ([]byte, error) { return texts[name], nil }
		if snap, _, err = restoreFiles(ctx, snap, names, read, s.log); err != nil {
			return err
		}
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.pos = l.Pos
	s.commit(snap, l.Epoch, gen)
	if _, err := s.catchUpLocked(ctx); err != nil {
		return err
	}
	s.unavailable.Store(nil)
	s.log.Info("config store: replica state loaded", "epoch", s.Epoch(), "position", s.pos, "documents", len(l.Models))
	return nil
}

// Follow applies the other replicas' records as they are appended, until
// ctx ends (every replica's reads and /export then include them within
// the journal's delivery latency, milliseconds).
func (s *Service) Follow(ctx context.Context) {
	s.writeMu.Lock()
	from := s.pos
	s.writeMu.Unlock()
	_ = s.journal.Follow(ctx, from, func(r store.Record) {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
		if r.Pos <= s.pos {
			return // applied already: our own write, or caught up
		}
		if r.Pos > s.pos+1 {
			if _, err := s.catchUpLocked(ctx); err != nil {
				s.log.Warn("config store: catching up with the journal failed", "err", err)
			}
			if r.Pos <= s.pos {
				return
			}
		}
		s.applyRecordLocked(r)
	})
}

// catchUpLocked applies the records after pos; it returns how many. The
// caller holds writeMu.
func (s *Service) catchUpLocked(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeOpTimeout)
	defer cancel()
	recs, err := s.journal.Since(ctx, s.pos)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range recs {
		if r.Pos > s.pos {
			s.applyRecordLocked(r)
			n++
		}
	}
	return n, nil
}

// applyRecordLocked makes one journal record the visible state. The
// caller holds writeMu.
func (s *Service) applyRecordLocked(r store.Record) {
	cur := s.state.Load()
	snap, epoch := cur.snap, cur.epoch
	if r.ModelID != "" && snap != nil {
		if r.Text == nil {
			if m := snap.Exact(r.ModelID); m != nil && m.HasAPI() {
				snap, _ = snap.WithoutAPI(r.ModelID)
			}
		} else {
			snap, _ = restoreDocument(snap, store.FileName(r.ModelID), r.Text, s.log)
		}
	}
	if r.HasEpoch {
		epoch = r.Epoch
	}
	s.pos = r.Pos
	s.commit(snap, epoch, cur.generation)
}

// commitReplicated runs one queued write on a journal store: planned on
// this replica's state, committed as one record at the next position, and
// planned again on the fresh state after a lost race (or, when it changes
// nothing or is refused, after other replicas' pending records), so it is
// answered as if serialized after them. The caller holds writeMu.
func (s *Service) commitReplicated(q *queued) {
	ctx := context.Background()
	for attempt := 0; ; attempt++ {
		ch, _, err := q.plan(s.state.Load().snap)
		if err == nil && ch != nil {
			var epoch int64
			var ann *announcement
			if epoch, ann, err = s.applyJournal(ctx, *ch); err == nil {
				q.epoch, q.ann, q.changed = epoch, ann, true
				return
			}
		}
		again, err := s.replan(ctx, err, attempt)
		switch {
		case again:
			continue
		case err != nil:
			q.err = err
		default:
			q.epoch = s.Epoch() // the epoch its answer describes
		}
		return
	}
}

// applyJournal makes one change durable as a journal record with epoch
// E+1, records its history, commits it and queues its announcement (the
// caller awaits it once it has released writeMu). On error nothing has
// changed. The bundle hashes are computed while the journal commits. The
// caller holds writeMu.
func (s *Service) applyJournal(ctx context.Context, ch change) (int64, *announcement, error) {
	cur := s.state.Load()
	epoch := cur.epoch + 1
	settled := make(chan *catalog.Snapshot, 1)
	go func() { settled <- ch.next.Settled() }()
	next := sync.OnceValue(func() *catalog.Snapshot { return <-settled })
	defer next() // never leave the goroutine behind, even on error
	hashes := func() map[string]string { return bundleHashes(next(), ch.targets) }
	if err := s.checkMaxPayload(ch, epoch, hashes); err != nil {
		return 0, nil, err
	}
	// The store work must not be abandoned half-way because a client hung
	// up.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeOpTimeout)
	defer cancel()
	if err := s.commitJournal(sctx, ch, epoch); err != nil {
		return 0, nil, err
	}
	s.recordHistory(sctx, historyEntry(ch, epoch))
	deltas := s.buildDeltas(ch, epoch, hashes())
	s.commit(next(), epoch, cur.generation)
	return epoch, s.announce(deltas, cur.generation), nil
}

// commitJournal is persistGroup's counterpart on a journal, for one
// change: the change and its epoch as one record right after pos. A lost
// race returns an error matching store.ErrStale (the caller catches up and
// plans again).
func (s *Service) commitJournal(ctx context.Context, ch change, epoch int64) error {
	op := ch.op
	if op == "" {
		op = store.OpReplace
	}
	pos, err := s.journal.Commit(ctx, s.pos, store.Change{
		Epoch: epoch, ModelID: ch.id, Op: op, At: time.Now().UTC(), TokenID: ch.tokenID, Text: ch.text,
	})
	if errors.Is(err, store.ErrStale) {
		s.metrics.storeWrite(opWriteModel, nil)
		return err
	}
	s.metrics.storeWrite(opWriteModel, err)
	if err != nil {
		s.log.Error("store: journal commit failed", "model", ch.id, "epoch", epoch, "err", err)
		return &StoreError{Message: "Failed to persist model config: " + store.Reason(err) + ".", Err: err}
	}
	s.pos = pos
	return nil
}

// replan reports whether a write planned at the current position must be
// planned again: it lost a race (err matches store.ErrStale), or it changes
// nothing (or failed validation) while other replicas' records are
// pending, which it then applies first so the answer reflects them.
func (s *Service) replan(ctx context.Context, err error, attempt int) (bool, error) {
	if s.journal == nil {
		return false, err
	}
	stale := errors.Is(err, store.ErrStale)
	if attempt >= maxReplans {
		if stale {
			return false, &StoreError{Message: "Config store is busy: the write lost the race to other replicas too often; retry.", Err: err}
		}
		return false, err
	}
	n, cerr := s.catchUpLocked(ctx)
	if cerr != nil {
		if stale {
			return false, &StoreError{Message: "Failed to persist model config: " + store.Reason(cerr) + ".", Err: cerr}
		}
		return false, err // answer on the state at hand
	}
	return stale || n > 0, err
}
