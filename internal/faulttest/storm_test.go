package faulttest

import (
	"math/rand/v2"
	"sync"
)

// runStorm sends total writes to base from one goroutine per writer of w,
// each on its own models, so the writes to one model are ordered. A writer
// stops at its first transport failure (the server is gone) and returns
// that write as in doubt, or at a contract violation (booked in the
// ledger). progress runs after every acknowledged write.
func runStorm(w *world, base string, total int, seed uint64, progress func()) (doubtful []*write) {
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
				wr := planWrite(models[rng.IntN(len(models))], rng)
				code, body, err := httpDo(base, wr.method, wr.path, wr.body)
				if err != nil {
					w.led.doubt()
					mu.Lock()
					doubtful = append(doubtful, wr)
					mu.Unlock()
					return
				}
				if !w.led.record(wr, code, body) {
					return
				}
				wr.commit()
				if progress != nil {
					progress()
				}
			}
		}()
	}
	wg.Wait()
	return doubtful
}
