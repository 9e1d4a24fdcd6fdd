package faulttest

import (
	"encoding/json"
	"fmt"
	"sync"
)

// ledger accounts for every write of a test across writers and restarts:
// what was acknowledged, what is in doubt, and the epochs sie-config
// answered with.
type ledger struct {
	mu       sync.Mutex
	acked    int               // 2xx answers with the expected status
	changes  int               // acknowledged creating/changing writes
	unacked  int               // writes without an answer (in doubt)
	refused  int               // 503 answers (outage)
	warned   int               // acknowledged with a publish warning
	maxEpoch uint64            // the highest epoch seen in an answer or /epoch
	epochs   map[uint64]string // epoch → the change that answered with it
	problems []string          // contract violations, reported by the test
}

func newLedger() *ledger { return &ledger{epochs: map[uint64]string{}} }

// writeAnswer is the part of a POST/PUT/DELETE answer the suite checks.
type writeAnswer struct {
	Epoch     *uint64  `json:"epoch"`
	Created   []string `json:"created_profiles"`
	Unchanged *bool    `json:"unchanged"`
	Deleted   *bool    `json:"deleted"`
	Warnings  []string `json:"warnings"`
}

// record checks an answered write against its plan and books it. It
// returns false when the answer breaks the contract.
func (l *ledger) record(w *write, code int, body []byte) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if code != w.wantCode {
		l.problem("%s: status %d, want %d: %s", w, code, w.wantCode, body)
		return false
	}
	var a writeAnswer
	if err := json.Unmarshal(body, &a); err != nil || a.Epoch == nil {
		l.problem("%s: answer without epoch: %s", w, body)
		return false
	}
	switch {
	case w.kind == "post-replay" && len(a.Created) != 0,
		w.kind == "post-create" && len(a.Created) != 1,
		w.kind == "post-append" && len(a.Created) != 1,
		w.kind == "put" && (a.Unchanged == nil || *a.Unchanged),
		w.kind == "delete" && (a.Deleted == nil || *a.Deleted != w.change):
		l.problem("%s: unexpected answer %s", w, body)
		return false
	}
	l.acked++
	if len(a.Warnings) > 0 {
		l.warned++
	}
	e := *a.Epoch
	if w.change {
		l.changes++
		if prev, dup := l.epochs[e]; dup {
			l.problem("%s and %s were both answered with epoch %d", prev, w, e)
		}
		l.epochs[e] = w.String()
	}
	if e > l.maxEpoch {
		l.maxEpoch = e
	}
	return true
}

// doubt books a write whose outcome is unknown (the transport failed).
func (l *ledger) doubt() {
	l.mu.Lock()
	l.unacked++
	l.mu.Unlock()
}

// refuse books a write refused with 503 nats_unavailable.
func (l *ledger) refuse() {
	l.mu.Lock()
	l.refused++
	l.mu.Unlock()
}

// refusals is the number of refused writes so far.
func (l *ledger) refusals() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refused
}

// warnings is the number of writes acknowledged with a publish warning.
func (l *ledger) warnings() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.warned
}

// ackCount is the number of acknowledged writes so far.
func (l *ledger) ackCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.acked
}

// seenEpoch raises maxEpoch to e.
func (l *ledger) seenEpoch(e uint64) {
	l.mu.Lock()
	if e > l.maxEpoch {
		l.maxEpoch = e
	}
	l.mu.Unlock()
}

func (l *ledger) problem(format string, args ...any) {
	if len(l.problems) < 20 {
		l.problems = append(l.problems, fmt.Sprintf(format, args...))
	}
}

// Problems returns the violations booked so far.
func (l *ledger) Problems() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.problems...)
}

// counts is a consistent copy of the counters.
func (l *ledger) counts() (acked, changes, unacked int, maxEpoch uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.acked, l.changes, l.unacked, l.maxEpoch
}
