package natsstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/sieproject/sie/internal/store"
)

// commitAttempts bounds the re-sends of a commit whose acknowledgement
// was lost; the message id makes a re-send of a stored record a duplicate
// JetStream answers with the original position.
const commitAttempts = 3

// record reads a stream message as a journal record; ok is false for a
// message outside this store's subjects.
func (s *Store) record(m *jetstream.RawStreamMsg) (store.Record, bool) {
	return s.recordOf(m.Subject, m.Sequence, m.Header, m.Data)
}

func (s *Store) recordOf(subject string, seq uint64, h nats.Header, data []byte) (store.Record, bool) {
	r := store.Record{Pos: seq}
	switch {
	case subject == s.prefix+".epoch":
		r.HasEpoch = true
		r.Epoch = quietEpoch(data)
		return r, true
	case strings.HasPrefix(subject, s.prefix+".models."):
	case strings.HasPrefix(subject, s.prefix+"."):
		return r, true
	default:
		return r, false
	}
	name, ok := s.nameOfSubject(subject)
	if !ok {
		return r, true
	}
	r.ModelID = h.Get(hdrModel)
	if r.ModelID == "" {
		r.ModelID = strings.ReplaceAll(strings.TrimSuffix(name, store.ModelExt), "__", "/")
	}
	if h.Get(hdrDeleted) == "" {
		r.Text = data
		if r.Text == nil {
			r.Text = []byte{}
		}
	}
	if e := h.Get(hdrEpoch); e != "" {
		if n, err := strconv.ParseInt(e, 10, 64); err == nil && n >= 0 {
			r.Epoch, r.HasEpoch = n, true
		}
	}
	r.Op = h.Get(hdrOp)
	if r.Op == "" {
		r.Op = store.OpReplace
		if r.Text == nil {
			r.Op = store.OpDelete
		}
	}
	r.TokenID = h.Get(hdrToken)
	if at, err := time.Parse(time.RFC3339Nano, h.Get(hdrAt)); err == nil {
		r.At = at.UTC()
	}
	return r, true
}

func quietEpoch(data []byte) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// loadModels reads the last record of every model subject and returns the
// documents (deletions left out), sorted by file name.
func (s *Store) loadModels(ctx context.Context, _ uint64) ([]store.LoadedModel, error) {
	st, err := s.ensure(ctx)
	if err != nil {
		return nil, err
	}
	ictx, cancel := s.ctx(ctx)
	info, err := st.Info(ictx, jetstream.WithSubjectFilter(s.prefix+".models.>"))
	cancel()
	if err != nil {
		return nil, err
	}
	out := make([]store.LoadedModel, 0, len(info.State.Subjects))
	for subject := range info.State.Subjects {
		name, ok := s.nameOfSubject(subject)
		if !ok || !store.IsModelFile(name) {
			continue
		}
		m, err := s.last(ctx, subject)
		if err != nil {
			return nil, err
		}
		if m == nil || m.Header.Get(hdrDeleted) != "" {
			continue
		}
		text := m.Data
		if text == nil {
			text = []byte{}
		}
		out = append(out, store.LoadedModel{Name: name, Text: text})
	}
	sortModels(out)
	return out, nil
}

// Load returns the documents, epoch and generation at the stream's
// current end. A document read may already be newer than that position:
// replaying the records after it (Since) converges, since every record is
// a whole document.
func (s *Store) Load(ctx context.Context) (store.Loaded, error) {
	pos, err := s.lastSeq(ctx)
	if err != nil {
		return store.Loaded{}, err
	}
	epoch, err := s.epochAt(ctx, pos)
	if err != nil {
		return store.Loaded{}, err
	}
	gen, err := s.ReadGeneration(ctx)
	if err != nil {
		return store.Loaded{}, err
	}
	models, err := s.loadModels(ctx, pos)
	if err != nil {
		return store.Loaded{}, err
	}
	return store.Loaded{Pos: pos, Epoch: epoch, Generation: gen, Models: models}, nil
}

// epochAt is the epoch of the newest record at or before pos that carries
// one.
func (s *Store) epochAt(ctx context.Context, pos uint64) (int64, error) {
	st, err := s.ensure(ctx)
	if err != nil {
		return 0, err
	}
	for seq := pos; seq > 0; seq-- {
		m, err := s.getMsg(ctx, st, seq)
		if err != nil {
			return 0, err
		}
		if m == nil {
			continue
		}
		if r, ok := s.record(m); ok && r.HasEpoch {
			return r.Epoch, nil
		}
	}
	return 0, nil
}

// Commit appends ch as one record right after position after.
func (s *Store) Commit(ctx context.Context, after uint64, ch store.Change) (uint64, error) {
	msg := nats.NewMsg(s.modelSubject(store.FileName(ch.ModelID)))
	setChangeHeaders(msg, ch)
	id := nuid.Next()
	var err error
	for range commitAttempts {
		var ack *jetstream.PubAck
		ack, err = s.publish(ctx, msg, jetstream.WithExpectLastSequence(after), jetstream.WithMsgID(id))
		switch {
		case err == nil:
			s.mu.Lock()
			if len(s.committed) > 64 {
				clear(s.committed)
			}
			s.committed[ch.Epoch] = ch.ModelID
			s.mu.Unlock()
			return ack.Sequence, nil
		case isWrongLast(err):
			return 0, fmt.Errorf("%w: %w", store.ErrStale, err)
		case ctx.Err() != nil:
			return 0, err
		case !retryable(err):
			return 0, err
		}
	}
	return 0, err
}

// setChangeHeaders makes msg the record of ch: the document as the body
// (none and Sie-Deleted for a delete), the rest as headers.
func setChangeHeaders(msg *nats.Msg, ch store.Change) {
	msg.Header.Set(hdrEpoch, strconv.FormatInt(ch.Epoch, 10))
	msg.Header.Set(hdrModel, ch.ModelID)
	msg.Header.Set(hdrOp, ch.Op)
	at := ch.At
	if at.IsZero() {
		at = time.Now()
	}
	msg.Header.Set(hdrAt, at.UTC().Format(time.RFC3339Nano))
	if ch.TokenID != "" {
		msg.Header.Set(hdrToken, ch.TokenID)
	}
	if ch.Text == nil {
		msg.Header.Set(hdrDeleted, "true")
	} else {
		msg.Data = ch.Text
	}
}

// retryable reports an error after which the outcome of a publish is
// unknown (the acknowledgement was lost), so the same message is re-sent.
func retryable(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse)
}

// Since returns the records after from, up to the stream's end.
func (s *Store) Since(ctx context.Context, from uint64) ([]store.Record, error) {
	st, err := s.ensure(ctx)
	if err != nil {
		return nil, err
	}
	last, err := s.lastSeq(ctx)
	if err != nil {
		return nil, err
	}
	var out []store.Record
	for seq := from + 1; seq <= last; seq++ {
		m, err := s.getMsg(ctx, st, seq)
		if err != nil {
			return nil, err
		}
		if m == nil {
			continue
		}
		if r, ok := s.record(m); ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// Follow delivers every record after from, in order, as it is appended,
// through an ordered consumer (which JetStream restarts by itself after a
// reconnect, without losing or repeating a message), until ctx ends.
func (s *Store) Follow(ctx context.Context, from uint64, apply func(store.Record)) error {
	var pos atomic.Uint64 // the last position delivered (the consumer's goroutine writes it)
	pos.Store(from)
	for {
		err := s.follow(ctx, &pos, apply)
		if ctx.Err() != nil {
			return nil
		}
		s.log.Warn("config store: following the journal failed; retrying", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

func (s *Store) follow(ctx context.Context, pos *atomic.Uint64, apply func(store.Record)) error {
	st, err := s.ensure(ctx)
	if err != nil {
		return err
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{s.prefix + ".>"}, DeliverPolicy: jetstream.DeliverAllPolicy}
	if from := pos.Load(); from > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, from+1
	}
	cctx, cancel := s.ctx(ctx)
	cons, err := st.OrderedConsumer(cctx, cfg)
	cancel()
	if err != nil {
		return err
	}
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		meta, err := msg.Metadata()
		if err != nil {
			return
		}
		if r, ok := s.recordOf(msg.Subject(), meta.Sequence.Stream, msg.Headers(), msg.Data()); ok {
			apply(r)
		}
		pos.Store(meta.Sequence.Stream)
	}, jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		if errors.Is(err, jetstream.ErrOrderedConsumerReset) || errors.Is(err, nats.ErrConnectionClosed) {
			return
		}
		s.log.Debug("config store: journal consumer", "err", err)
	}))
	if err != nil {
		return err
	}
	defer cc.Stop()
	select {
	case <-ctx.Done():
		return nil
	case <-cc.Closed():
		return errors.New("journal consumer closed")
	}
}

// AppendHistory records history entries of changes written without
// Commit (a store used by a single writer through WriteModel). A change
// this instance committed is already in the history (its record is the
// history entry), so it is not recorded twice.
func (s *Store) AppendHistory(ctx context.Context, entries ...store.HistoryEntry) error {
	for _, e := range entries {
		s.mu.Lock()
		id, mine := s.committed[e.Epoch]
		if mine && id == e.ModelID {
			delete(s.committed, e.Epoch)
		}
		s.mu.Unlock()
		if mine && id == e.ModelID {
			continue
		}
		msg := nats.NewMsg(s.historySubject(store.FileName(e.ModelID)))
		setChangeHeaders(msg, store.Change{Epoch: e.Epoch, ModelID: e.ModelID, Op: e.Op, At: e.At, TokenID: e.TokenID, Text: e.RawYAML})
		if _, err := s.publish(ctx, msg); err != nil {
			return err
		}
	}
	return nil
}

// History returns the recorded changes of id, newest first, at most
// limit (all when limit <= 0): the committed records of its model subject
// and the entries AppendHistory recorded.
func (s *Store) History(ctx context.Context, id string, limit int) ([]store.HistoryEntry, error) {
	st, err := s.ensure(ctx)
	if err != nil {
		return nil, err
	}
	name := store.FileName(id)
	model, hist := s.modelSubject(name), s.historySubject(name)
	enc := strings.TrimPrefix(model, s.prefix+".models.")
	var all []store.HistoryEntry
	for seq := uint64(1); ; {
		gctx, cancel := s.ctx(ctx)
		m, err := st.GetMsg(gctx, seq, jetstream.WithGetMsgSubject(s.prefix+".*."+enc))
		cancel()
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			break
		}
		if err != nil {
			return nil, err
		}
		seq = m.Sequence + 1
		if m.Subject != model && m.Subject != hist {
			continue
		}
		r, ok := s.recordOf(model, m.Sequence, m.Header, m.Data)
		if !ok || !r.HasEpoch || r.ModelID != id {
			continue
		}
		all = append(all, store.HistoryEntry{Epoch: r.Epoch, ModelID: id, Op: r.Op, At: r.At, TokenID: r.TokenID, RawYAML: r.Text})
	}
	out := make([]store.HistoryEntry, 0, len(all))
	for i := len(all) - 1; i >= 0 && (limit <= 0 || len(out) < limit); i-- {
		out = append(out, all[i])
	}
	return out, nil
}

func (s *Store) historySubject(name string) string {
	return s.prefix + ".history." + strings.TrimPrefix(s.modelSubject(name), s.prefix+".models.")
}
