package faulttest

import (
	"math/rand/v2"
	"sync"
	"time"
)

// stormOptions shape a write storm.
type stormOptions struct {
	// Progress runs after every acknowledged write.
	Progress func()
	// Refusable makes 503 nats_unavailable an expected answer: the write is
	// counted as refused, not committed, and the writer backs off briefly
	// and goes on. Otherwise any answer but the planned one is a violation.
	Refusable bool
	// Refused runs after each refusal with the writer's index.
	Refused func(writer int)
	// Stop ends the storm early (nil: run the whole quota).
	Stop <-chan struct{}
}

// refusalBackoff paces a writer after a refusal, as a client would.
const refusalBackoff = 5 * time.Millisecond

// runStorm sends total writes to base from one goroutine per writer of w,
// each on its own models, so the writes to one model are ordered. A writer
// stops at its first transport failure (the server is gone) and returns
// that write as in doubt, or at a contract violation (booked in the
// ledger).
func runStorm(w *world, base string, total int, seed uint64, o stormOptions) (doubtful []*write) {
	var (
		wg sync.WaitGroup
		mu sync.Mutex
	)
	n := len(w.owned)
	for i, models := range w.owned {
		quota := total / n
		if i < total%n {
			quota++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			for range quota {
				select {
				case <-o.Stop:
					return
				default:
				}
				wr := planWrite(models[rng.IntN(len(models))], rng)
				code, body, err := httpDo(base, wr.method, wr.path, wr.body)
				if err != nil {
					w.led.doubt()
					mu.Lock()
					doubtful = append(doubtful, wr)
					mu.Unlock()
					return
				}
				if o.Refusable && code == 503 && errorCode(body) == "nats_unavailable" {
					w.led.refuse()
					if o.Refused != nil {
						o.Refused(i)
					}
					time.Sleep(refusalBackoff)
					continue
				}
				if !w.led.record(wr, code, body) {
					return
				}
				wr.commit()
				if o.Progress != nil {
					o.Progress()
				}
			}
		}()
	}
	wg.Wait()
	return doubtful
}
