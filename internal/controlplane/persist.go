package controlplane

import (
	"context"
	"errors"

	"github.com/sieproject/sie/internal/store"
)

// modelPreparer is a store that can make a document durable before making
// it visible; the documents of a group are then fsynced in parallel, and
// while the epoch is written.
type modelPreparer interface {
	PrepareModel(ctx context.Context, id string, text []byte) (store.PreparedWrite, error)
}

// groupPlacer is a store whose renames and unlinks become durable together
// (one directory fsync for a group). Its prepared writes can Place.
type groupPlacer interface {
	RemoveModel(ctx context.Context, id string) (bool, error)
	SyncModels() error
}

// placer is a prepared write of a groupPlacer: Place renames it into place
// without the directory fsync.
type placer interface{ Place() error }

type stagedWrite struct {
	w   store.PreparedWrite
	err error
}

// persistGroup writes epoch prev+len(steps), then makes each document
// visible in order. A document only becomes visible after the epoch that
// covers it is durable, so a crash can leave a bumped epoch with no change,
// never a change without its epoch. When the document of step i fails, the
// epoch is rolled back to prev+i (the steps before it stand; they are made
// durable first) and n = i is returned with the error.
func (s *Service) persistGroup(ctx context.Context, steps []step, prev int64) (n int, err error) {
	staged := s.stage(ctx, steps)
	abort := func(from int) {
		for _, ch := range staged[from:] {
			if ch != nil {
				if st := <-ch; st.err == nil {
					st.w.Abort()
				}
			}
		}
	}
	last := prev + int64(len(steps))
	err = s.store.WriteEpoch(ctx, last)
	s.metrics.storeWrite(opIncrementEpoch, err)
	if err != nil {
		abort(0)
		s.log.Error("store: epoch write failed", "epoch", last, "err", err)
		if errors.Is(err, store.ErrEpochConflict) {
			return 0, &StoreError{Message: store.EpochConflictMessage, Err: err}
		}
		return 0, &StoreError{Message: "Failed to persist config epoch: " + store.Reason(err) + ".", Err: err}
	}
	group, _ := s.store.(groupPlacer)
	n, placed := len(steps), 0
	var failOp string
	touched := false
	for i, st := range steps {
		op, changed, perr := s.place(ctx, st.ch, staged[i], group)
		if perr != nil {
			n, err, failOp = i, perr, op
			abort(i + 1)
			break
		}
		touched = touched || changed
		placed = i + 1
	}
	// The history of the changes in place is appended (and fsynced) while
	// the directory is: both must be durable before any write is answered.
	history := s.recordHistoryAsync(ctx, steps[:n])
	if group != nil && touched {
		// One directory fsync makes the group's renames and unlinks durable;
		// without it none of them counts.
		if serr := group.SyncModels(); serr != nil {
			n, err, failOp = 0, serr, opFor(steps[placed-1].ch)
			s.log.Error("store: the models directory could not be synced; the history may list changes that failed",
				"from_epoch", steps[0].epoch, "to_epoch", steps[placed-1].epoch, "err", serr)
		}
	}
	history()
	for i := range n {
		s.metrics.storeWrite(opFor(steps[i].ch), nil)
	}
	if err == nil {
		return n, nil
	}
	s.metrics.storeWrite(failOp, err)
	s.log.Error("store: model write failed; rolling back the epoch", "model", steps[n].ch.id, "op", failOp, "err", err)
	rbErr := s.store.WriteEpoch(ctx, prev+int64(n))
	s.metrics.storeWrite(opRollback, rbErr)
	if rbErr != nil {
		// Harmless: the epoch is ahead with no change behind it; gateways resync.
		s.log.Error("store: epoch rollback failed", "epoch", last, "err", rbErr)
	}
	return n, &StoreError{Message: "Failed to persist model config: " + store.Reason(err) + ".", Err: err}
}

func opFor(ch change) string {
	if ch.text == nil {
		return opDeleteModel
	}
	return opWriteModel
}

// stage writes and fsyncs every document's temp file in parallel (stores
// that can prepare); nil for a step that has nothing to stage.
func (s *Service) stage(ctx context.Context, steps []step) []chan stagedWrite {
	staged := make([]chan stagedWrite, len(steps))
	p, ok := s.store.(modelPreparer)
	if !ok {
		return staged
	}
	for i, st := range steps {
		if st.ch.text == nil {
			continue
		}
		c := make(chan stagedWrite, 1)
		staged[i] = c
		go func() {
			w, err := p.PrepareModel(ctx, st.ch.id, st.ch.text)
			c <- stagedWrite{w, err}
		}()
	}
	return staged
}

// place makes one change's document visible (or removes it). With a
// groupPlacer the change is durable only after its SyncModels. It reports
// the store operation and whether the directory changed.
func (s *Service) place(ctx context.Context, ch change, staged chan stagedWrite, group groupPlacer) (op string, changed bool, err error) {
	op = opFor(ch)
	switch {
	case staged != nil:
		st := <-staged
		if st.err != nil {
			return op, false, st.err
		}
		if pl, ok := st.w.(placer); ok && group != nil {
			return op, true, pl.Place()
		}
		return op, false, st.w.Commit()
	case ch.text == nil && group != nil:
		removed, err := group.RemoveModel(ctx, ch.id)
		return op, removed, err
	case ch.text == nil:
		return op, false, s.store.DeleteModel(ctx, ch.id)
	default:
		return op, false, s.store.WriteModel(ctx, ch.id, ch.text)
	}
}
