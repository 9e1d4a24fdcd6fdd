package workersim

import (
	"log/slog"
	"sync"
	"time"

	"github.com/sieproject/sie/internal/workerview"
)

// Worker is one simulated worker: its own registry, epoch guard, faults and
// status sockets. All mutable state is guarded by mu.
type Worker struct {
	name    string
	cfg     *Config
	log     *slog.Logger
	started time.Time
	queue   *deltaQueue

	mu           sync.Mutex
	state        *State
	ready        bool
	frozen       bool
	applyLag     time.Duration
	dropNext     int     // drop the next K deltas
	dropFraction float64 // drop this fraction of deltas, evenly spread
	dropAcc      float64 // accumulates dropFraction; a delta is dropped at each whole unit
	received     int
	applied      int
	dropped      int
	reconciles   int
	reconcileErr *string // last_reconcile_error; nil after a success
	// unsupported are the ids the "unsupported" fault marks; the frames list
	// those the worker holds, with its stubs (extensions E3).
	unsupported    map[string]bool
	unsupportedGen uint64 // bumped on every change of the fault
	// changed is closed (and replaced) on every change a status frame
	// shows at once: hash, ready, unfreezing.
	changed chan struct{}
	// kick is closed (and replaced) to drop every status socket now.
	kick chan struct{}
	// heartbeatNow asks the NATS heartbeat loop for a heartbeat at once.
	heartbeatNow chan struct{}
	// stopping is closed when shutdown begins; shuttingDown is its
	// lock-protected twin, so no socket registers after the wait started.
	stopping     chan struct{}
	shuttingDown bool
	sockets      sync.WaitGroup

	modelsJSON    []byte // cached "models" array of the status message
	modelsVersion uint64
	// unsupportedList caches unsupported_models for (state version, fault
	// generation).
	unsupportedList               []string
	unsupportedVer, unsupportedFG uint64
}

func newWorker(name string, cfg *Config, state *State, log *slog.Logger) *Worker {
	w := &Worker{
		name:           name,
		cfg:            cfg,
		log:            log.With("worker", name),
		started:        time.Now(),
		state:          state,
		ready:          !cfg.NotReady,
		applyLag:       cfg.ApplyLag,
		dropNext:       cfg.DropDeltas,
		dropFraction:   cfg.DropFraction,
		changed:        make(chan struct{}),
		kick:           make(chan struct{}),
		heartbeatNow:   make(chan struct{}, 1),
		stopping:       make(chan struct{}),
		modelsVersion:  ^uint64(0),
		unsupported:    map[string]bool{},
		unsupportedVer: ^uint64(0),
	}
	w.queue = newDeltaQueue(w.apply)
	return w
}

// Name is the name the worker reports.
func (w *Worker) Name() string { return w.name }

// Hash is the worker's current bundle_config_hash.
func (w *Worker) Hash() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state.Hash()
}

// Ready reports the worker's ready flag.
func (w *Worker) Ready() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ready
}

// notifyLocked wakes every status socket for an immediate frame.
func (w *Worker) notifyLocked() {
	close(w.changed)
	w.changed = make(chan struct{})
}

// receive is called for each NATS message, in arrival order. Dropping is
// decided here, before the epoch guard sees the delta, so a dropped delta
// leaves no trace (worker-protocol.md §8).
func (w *Worker) receive(data []byte) {
	w.mu.Lock()
	w.received++
	drop := false
	if w.dropNext > 0 {
		w.dropNext--
		drop = true
	} else if w.dropFraction > 0 {
		w.dropAcc += w.dropFraction
		if w.dropAcc >= 1 {
			w.dropAcc--
			drop = true
		}
	}
	if drop {
		w.dropped++
	}
	lag := w.applyLag
	w.mu.Unlock()
	if drop {
		w.log.Info("delta dropped by fault injection")
		return
	}
	w.queue.push(data, time.Now().Add(lag))
}

// apply runs one received delta through the worker's guard and apply step.
func (w *Worker) apply(data []byte) {
	d, ok := parseDelta(data)
	if !ok {
		w.log.Warn("ignoring malformed config notification")
		return
	}
	w.mu.Lock()
	before, beforeEpoch := w.state.Hash(), w.state.ConfigEpoch()
	outcome := w.state.Apply(d)
	if outcome.Applied() {
		w.applied++
	}
	after := w.state.Hash()
	if after != before || w.state.ConfigEpoch() != beforeEpoch {
		w.notifyLocked()
	}
	w.mu.Unlock()
	w.log.Info("config delta", "model_id", d.ModelID, "epoch", d.Epoch, "outcome", outcome.String(), "bundle_config_hash", after)
}

// reconcile sets the registry from a fetched export (extensions E3).
func (w *Worker) reconcile(epoch int64, entries []ExportEntry, trigger string) {
	w.mu.Lock()
	before, beforeEpoch := w.state.Hash(), w.state.ConfigEpoch()
	res := w.state.Reconcile(epoch, entries)
	w.reconciles++
	w.reconcileErr = nil
	after := w.state.Hash()
	if after != before || w.state.ConfigEpoch() != beforeEpoch {
		w.notifyLocked()
	}
	w.mu.Unlock()
	if after != before {
		w.log.Info("reconciled from sie-config", "trigger", trigger, "epoch", epoch, "held", res.Held,
			"removed", res.Removed, "kept_newer", res.Newer, "bundle_config_hash", after)
	}
}

// setReconcileError records the last failed catch-up fetch (nil clears it).
func (w *Worker) setReconcileError(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err == nil {
		w.reconcileErr = nil
		return
	}
	msg := err.Error()
	w.reconcileErr = &msg
}

// unsupportedLocked is unsupported_models: the held models the worker
// cannot serve (stubs, and those the fault marks), in id order.
func (w *Worker) unsupportedLocked() []string {
	if v := w.state.Version(); v != w.unsupportedVer || w.unsupportedGen != w.unsupportedFG {
		list := []string{}
		for _, m := range w.state.Models() {
			if m.Form == workerview.Stub || w.unsupported[m.ID] {
				list = append(list, m.ID)
			}
		}
		w.unsupportedList, w.unsupportedVer, w.unsupportedFG = list, v, w.unsupportedGen
	}
	return w.unsupportedList
}

// resetEpochs clears the guard, as a worker does on every NATS reconnect.
func (w *Worker) resetEpochs() {
	w.mu.Lock()
	w.state.ResetEpochs()
	w.mu.Unlock()
}

// beginShutdown sets ready=false and tells every status socket to send its
// last frame and close.
func (w *Worker) beginShutdown() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.shuttingDown {
		return
	}
	w.shuttingDown = true
	w.ready = false
	w.frozen = false
	close(w.stopping)
}

// addSocket registers a status socket unless shutdown has begun.
func (w *Worker) addSocket() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.shuttingDown {
		return false
	}
	w.sockets.Add(1)
	return true
}

// dropSockets closes every status socket at once (disconnect_ws, or a
// shutdown whose clients do not finish the close handshake in time).
func (w *Worker) dropSockets() {
	w.mu.Lock()
	close(w.kick)
	w.kick = make(chan struct{})
	w.mu.Unlock()
}
