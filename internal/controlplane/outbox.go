package controlplane

import (
	"log/slog"
	"sync"
	"time"
)

// DefaultPublishTimeout bounds how long a write waits for its deltas to
// leave. A publish that has not completed by then counts as failed (the
// change is committed and stays queued, §9.4 warnings apply): NATS that
// stops reading never holds a writer for long.
const DefaultPublishTimeout = 2 * time.Second

// Limits of the re-send queue; beyond them the oldest messages are dropped
// (the gateways' epoch poll still converges them).
const (
	maxPending      = 10000
	maxPendingBytes = 64 << 20
)

// notifyEvery bounds how long a pass holds back waking the waiters whose
// messages it has already decided.
const notifyEvery = time.Millisecond

// outMsg is one message on its way to NATS.
type outMsg struct {
	subject string
	header  map[string]string
	data    []byte
	group   *outGroup // the messages of one delta: the bundle subject, then _all

	// Guarded by outbox.mu.
	sent    bool
	dropped bool
	failed  bool // an attempt failed since it was queued
}

func (m *outMsg) decided() bool { return m.sent || m.dropped || m.failed }

// outGroup ties a delta's bundle-subject message to its _all copy: when the
// first fails, the copy is skipped in that pass (§9.3).
type outGroup struct{ failedPass uint64 }

// outbox publishes deltas on one goroutine, in the order writers queued
// them (under the write lock, so in epoch order). Writers wait for their own
// messages outside the lock and at most their publish timeout; readers
// never touch it. A pass goes through the whole queue: a message that fails
// stays queued (its delta's _all copy is skipped) and the pass continues
// with the next target, as §9.3 asks; failed messages are re-sent, before
// anything newer, when the outbox is kicked again (a new write, a retried
// write, a NATS reconnect). So a committed change is never left
// unannounced.
type outbox struct {
	pub       Publisher
	log       *slog.Logger
	permanent func(error) bool

	mu      sync.Mutex
	queue   []*outMsg
	bytes   int
	passNo  uint64
	changed chan struct{} // closed and replaced on every state change

	kick chan struct{}
	stop chan struct{}
	done chan struct{}
}

func newOutbox(pub Publisher, log *slog.Logger, permanent func(error) bool) *outbox {
	o := &outbox{pub: pub, log: log, permanent: permanent, changed: make(chan struct{}),
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go o.run()
	return o
}

// enqueue appends msgs in order and wakes the publisher.
func (o *outbox) enqueue(msgs []*outMsg) {
	o.mu.Lock()
	for _, m := range msgs {
		o.queue = append(o.queue, m)
		o.bytes += len(m.data)
	}
	o.trimLocked()
	o.mu.Unlock()
	o.wake()
}

func (o *outbox) wake() {
	select {
	case o.kick <- struct{}{}:
	default:
	}
}

// trimLocked drops the oldest messages beyond the queue's limits.
func (o *outbox) trimLocked() {
	dropped := 0
	for len(o.queue) > 1 && (len(o.queue) > maxPending || o.bytes > maxPendingBytes) {
		m := o.queue[0]
		o.queue = o.queue[1:]
		o.bytes -= len(m.data)
		m.dropped = true
		dropped++
	}
	if dropped > 0 {
		o.log.Error("dropping unsent config deltas; gateways converge through the epoch poll", "dropped", dropped)
		o.notifyLocked()
	}
}

func (o *outbox) notifyLocked() {
	close(o.changed)
	o.changed = make(chan struct{})
}

// run makes a pass over the queue whenever kicked, and again while passes
// succeed and new messages arrive; after a failed pass it waits for a kick.
func (o *outbox) run() {
	defer close(o.done)
	for {
		select {
		case <-o.stop:
			return
		case <-o.kick:
		}
		for o.pass() {
		}
	}
}

// pass publishes every queued message once, in order; it reports whether
// another pass should follow at once (something was queued and nothing
// failed).
func (o *outbox) pass() bool {
	o.mu.Lock()
	o.passNo++
	pass := o.passNo
	batch := append([]*outMsg(nil), o.queue...)
	o.mu.Unlock()
	if len(batch) == 0 {
		return false
	}
	failed := false
	// Waiters are woken once per pass, or sooner when a pass takes a while
	// (a slow publish): waking every waiter after each message made a
	// group of n writes cost n² wake-ups.
	lastNotify, unnotified := time.Now(), false
	for _, m := range batch {
		o.mu.Lock()
		skip := m.sent || m.dropped || m.group.failedPass == pass
		if skip && !m.sent && !m.dropped {
			m.failed = true
			unnotified = true
		}
		o.mu.Unlock()
		if skip {
			continue
		}
		err := o.pub.PublishMsg(m.subject, m.header, m.data)
		o.mu.Lock()
		switch {
		case err == nil:
			m.sent = true
		case o.permanent != nil && o.permanent(err):
			o.log.Error("dropping a config delta NATS refuses", "subject", m.subject, "err", err)
			m.dropped = true
		default:
			o.log.Warn("nats publish failed", "subject", m.subject, "err", err)
			m.failed = true
			m.group.failedPass = pass
			failed = true
		}
		unnotified = true
		if time.Since(lastNotify) > notifyEvery {
			o.notifyLocked()
			lastNotify, unnotified = time.Now(), false
		}
		o.mu.Unlock()
	}
	o.mu.Lock()
	if unnotified {
		o.notifyLocked()
	}
	kept := o.queue[:0]
	o.bytes = 0
	for _, m := range o.queue {
		if !m.sent && !m.dropped {
			kept = append(kept, m)
			o.bytes += len(m.data)
		}
	}
	clear(o.queue[len(kept):])
	o.queue = kept
	o.mu.Unlock()
	return !failed
}

// wait blocks until each message is sent, dropped or failed, or until
// deadline, and reports which were sent.
func (o *outbox) wait(msgs []*outMsg, deadline time.Time) []bool {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		o.mu.Lock()
		all := true
		for _, m := range msgs {
			all = all && m.decided()
		}
		ch := o.changed
		if all || !time.Now().Before(deadline) {
			sent := make([]bool, len(msgs))
			for i, m := range msgs {
				sent[i] = m.sent
			}
			o.mu.Unlock()
			return sent
		}
		o.mu.Unlock()
		select {
		case <-ch:
		case <-timer.C:
		}
	}
}

// flush re-sends what is queued and waits, at most until deadline, for the
// queue to empty or a publish to fail.
func (o *outbox) flush(deadline time.Time) {
	o.mu.Lock()
	msgs := append([]*outMsg(nil), o.queue...)
	for _, m := range msgs {
		m.failed = false // a new attempt
	}
	o.mu.Unlock()
	if len(msgs) == 0 {
		return
	}
	o.wake()
	o.wait(msgs, deadline)
}

// pending is the number of queued messages.
func (o *outbox) pending() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.queue)
}

// close stops the publisher, waiting at most timeout for a publish in
// progress (the caller closes the connection first, which ends it).
func (o *outbox) close(timeout time.Duration) {
	select {
	case <-o.stop:
		return
	default:
		close(o.stop)
	}
	select {
	case <-o.done:
	case <-time.After(timeout):
	}
}
