package workersim

import (
	"bytes"
	"encoding/json"
	"math"
	"sync"
	"time"
)

// parseDelta reads a NATS config payload (a configdelta.Payload as
// sie-config encodes it) the way a Python worker does, not the way a
// gateway does (worker-protocol.md §2): a JSON object whose model_id
// (default ""), epoch (default 0, any integer or integral float) and
// model_config (default "") are used; every other key is ignored.
// Non-objects, invalid JSON and wrongly typed fields are dropped.
func parseDelta(data []byte) (Delta, bool) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return Delta{}, false
	}
	var d Delta
	if v, ok := raw["model_id"]; ok && !isJSONNull(v) {
		if json.Unmarshal(v, &d.ModelID) != nil {
			return d, false
		}
	}
	if v, ok := raw["model_config"]; ok && !isJSONNull(v) {
		if json.Unmarshal(v, &d.ModelConfig) != nil {
			return d, false
		}
	}
	if v, ok := raw["epoch"]; ok && !isJSONNull(v) {
		var n json.Number
		if bytes.HasPrefix(bytes.TrimSpace(v), []byte{'"'}) || json.Unmarshal(v, &n) != nil {
			return d, false
		}
		e, err := n.Int64()
		if err != nil {
			// Python compares an integral float like an int.
			f, ferr := n.Float64()
			if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<62 {
				return d, false
			}
			e = int64(f)
		}
		d.Epoch = e
	}
	return d, true
}

func isJSONNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

// deltaQueue applies received deltas in arrival order, each no earlier than
// its due time. It is unbounded so a long apply lag never blocks the NATS
// client (whose slow-consumer handling would drop messages).
type deltaQueue struct {
	apply func([]byte)

	mu      sync.Mutex
	items   []queued
	wake    chan struct{}
	stopped bool
	done    chan struct{}
	stop    chan struct{}
}

type queued struct {
	data []byte
	due  time.Time
}

func newDeltaQueue(apply func([]byte)) *deltaQueue {
	q := &deltaQueue{apply: apply, wake: make(chan struct{}, 1), done: make(chan struct{}), stop: make(chan struct{})}
	go q.run()
	return q
}

func (q *deltaQueue) push(data []byte, due time.Time) {
	q.mu.Lock()
	if !q.stopped {
		q.items = append(q.items, queued{data: data, due: due})
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *deltaQueue) run() {
	defer close(q.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		q.mu.Lock()
		var next queued
		pending := len(q.items) > 0
		if pending {
			next = q.items[0]
		}
		q.mu.Unlock()
		if !pending {
			select {
			case <-q.wake:
				continue
			case <-q.stop:
				return
			}
		}
		if wait := time.Until(next.due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-q.stop:
				return
			}
		}
		q.mu.Lock()
		item := q.items[0]
		q.items = q.items[1:]
		q.mu.Unlock()
		q.apply(item.data)
	}
}

// close stops applying; deltas still waiting are discarded, as a worker
// that shuts down discards its in-flight work.
func (q *deltaQueue) close() {
	q.mu.Lock()
	if !q.stopped {
		q.stopped = true
		close(q.stop)
	}
	q.mu.Unlock()
	<-q.done
}
