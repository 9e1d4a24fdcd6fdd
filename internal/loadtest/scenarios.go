package loadtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/yamldoc"
)

// Env is what every scenario runs with.
type Env struct {
	Bins  Binaries
	Ports *Ports
	Dir   string    // scratch space (removed by the caller)
	Out   io.Writer // the report
	Log   io.Writer // the processes' logs
}

func (e *Env) printf(format string, args ...any) { fmt.Fprintf(e.Out, format, args...) }

func (e *Env) scratch(name string) (string, error) { return os.MkdirTemp(e.Dir, name+"-") }

var httpClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 128}}

func doPost(url, id string) error {
	resp, err := httpClient.Post(url+"/v1/configs/models", "application/x-yaml", strings.NewReader(postBody(id)))
	if err != nil {
		return err
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST %s: %d %s", id, resp.StatusCode, data)
	}
	return nil
}

func lists(url, id string) bool {
	resp, err := httpClient.Get(url + "/v1/configs/models/" + id)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// PostResult is one run of the POST scenario.
type PostResult struct {
	Models                    int
	P50, P99                  time.Duration
	FloorP50                  time.Duration // durable replace + NATS publish/flush
	PropP50, PropP99          time.Duration // POST response → both gateways list the model
	NATSRoundP50, NATSRound99 time.Duration
	// RehashFloor is the SHA-256 of the bundle text after an average
	// insertion point (what the contract makes a write re-hash) plus the
	// durable-replace floor.
	RehashFloor time.Duration
}

// Post runs serial POSTs of new models against a registry of models seeds,
// with two gateways; each floor is sampled between the writes.
func Post(e *Env, models, writes int) (PostResult, error) {
	r := PostResult{Models: models}
	dir, err := e.scratch(fmt.Sprintf("post%d", models))
	if err != nil {
		return r, err
	}
	l, _, err := newLayout(dir, models, 0)
	if err != nil {
		return r, err
	}
	c, err := startCluster(e.Bins, e.Ports, l, 2, e.Log)
	if err != nil {
		return r, err
	}
	defer c.stop()
	nf, err := newNATSFloor(c.nats.ClientURL())
	if err != nil {
		return r, err
	}
	defer nf.close()
	floorDir, err := e.scratch("floor")
	if err != nil {
		return r, err
	}
	// Bytes a write re-hashes on average: the bundle's entries after the
	// insertion point (half of them for ids spread over the registry).
	d, _ := yamldoc.Parse([]byte(modelDoc("m00000/seed")))
	entry := len(catalog.ConfigModelEntry("m00000/seed", d, map[string]bool{"sie_server.adapters.bert_flash": true})) + 1
	rehashBytes := entry * models / 2
	payload := []byte(postBody("floor/model"))
	if err := doPost(c.config.url, "warm/up"); err != nil {
		return r, err
	}
	var lat, floors, prop, rtt, rehash []time.Duration
	for i := range writes {
		dr, err := durableReplace(floorDir, payload, i)
		if err != nil {
			return r, err
		}
		pf, err := nf.publishFlush()
		if err != nil {
			return r, err
		}
		floors = append(floors, dr+pf)
		rehash = append(rehash, dr+sha256Of(rehashBytes))
		rt, err := nf.roundTrip()
		if err != nil {
			return r, err
		}
		rtt = append(rtt, rt)
		id := fmt.Sprintf("m%05d/new-%d", (i*7919)%models, i)
		t0 := time.Now()
		if err := doPost(c.config.url, id); err != nil {
			return r, err
		}
		t1 := time.Now()
		lat = append(lat, t1.Sub(t0))
		for _, g := range c.gateways {
			deadline := t1.Add(10 * time.Second)
			for !lists(g.url, id) {
				if time.Now().After(deadline) {
					return r, fmt.Errorf("%s never listed %s", g.url, id)
				}
			}
		}
		prop = append(prop, time.Since(t1))
	}
	r.P50, r.P99, r.FloorP50 = pct(lat, 50), pct(lat, 99), pct(floors, 50)
	r.PropP50, r.PropP99 = pct(prop, 50), pct(prop, 99)
	r.NATSRoundP50, r.NATSRound99 = pct(rtt, 50), pct(rtt, 99)
	r.RehashFloor = pct(rehash, 50)
	return r, nil
}

// WritersResult is the throughput of concurrent writers.
type WritersResult struct {
	Writers     int
	Rate        float64       // acknowledged writes per second
	SerialRate  float64       // durable replaces per second, one after another
	CPUPerWrite time.Duration // sie-config's CPU time (user + system) per acknowledged write
}

// Writers runs closed-loop writers for d each (concurrency as given) and
// measures the serial durable-replace rate for d before each.
func Writers(e *Env, models int, concurrency []int, d time.Duration) ([]WritersResult, error) {
	dir, err := e.scratch("writers")
	if err != nil {
		return nil, err
	}
	l, _, err := newLayout(dir, models, 0)
	if err != nil {
		return nil, err
	}
	c, err := startCluster(e.Bins, e.Ports, l, 1, e.Log)
	if err != nil {
		return nil, err
	}
	defer c.stop()
	floorDir, err := e.scratch("floor")
	if err != nil {
		return nil, err
	}
	var out []WritersResult
	var seq atomic.Int64
	for _, n := range concurrency {
		t0 := time.Now()
		replaces := 0
		for time.Since(t0) < d {
			if _, err := durableReplace(floorDir, []byte(postBody("floor/m")), replaces); err != nil {
				return nil, err
			}
			replaces++
		}
		serial := float64(replaces) / time.Since(t0).Seconds()
		var done atomic.Int64
		var firstErr error
		var once sync.Once
		cpu0, err := c.config.cpuTime()
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), d)
		var wg sync.WaitGroup
		start := time.Now()
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					i := seq.Add(1)
					if err := doPost(c.config.url, fmt.Sprintf("m%05d/w-%d", int(i*7919)%models, i)); err != nil {
						once.Do(func() { firstErr = err })
						return
					}
					done.Add(1)
				}
			}()
		}
		wg.Wait()
		cancel()
		if firstErr != nil {
			return nil, firstErr
		}
		elapsed := time.Since(start)
		cpu1, err := c.config.cpuTime()
		if err != nil {
			return nil, err
		}
		r := WritersResult{Writers: n, Rate: float64(done.Load()) / elapsed.Seconds(), SerialRate: serial}
		if w := done.Load(); w > 0 {
			r.CPUPerWrite = (cpu1 - cpu0) / time.Duration(w)
		}
		out = append(out, r)
	}
	return out, nil
}

// RestoreResult is a start of sie-config on a store of n documents and a
// gateway bootstrapping from it.
type RestoreResult struct {
	Docs                    int
	Healthz, Ready          time.Duration // from exec
	Floor                   time.Duration // read and parse every file here
	Bootstrap               time.Duration // gateway exec → ready
	ConfigRSS, GatewayRSS   int64
	ConfigBase, GatewayBase int64 // the same processes with no stored documents
	TextBytes               int64
}

// Restore measures the restore and the bootstrap of n stored documents.
func Restore(e *Env, n int) (RestoreResult, error) {
	r := RestoreResult{Docs: n}
	base, err := e.scratch("base")
	if err != nil {
		return r, err
	}
	bl, _, err := newLayout(base, 0, 0)
	if err != nil {
		return r, err
	}
	bc, err := startCluster(e.Bins, e.Ports, bl, 1, e.Log)
	if err != nil {
		return r, err
	}
	r.ConfigBase, _ = bc.config.settledRSS()
	r.GatewayBase, _ = bc.gateways[0].settledRSS()
	bc.stop()

	dir, err := e.scratch(fmt.Sprintf("restore%d", n))
	if err != nil {
		return r, err
	}
	l, text, err := newLayout(dir, 0, n)
	if err != nil {
		return r, err
	}
	r.TextBytes = text
	// Read everything once so both the floor and the restore read from the
	// page cache.
	if _, err := readAndParse(filepath.Join(l.store, "models")); err != nil {
		return r, err
	}
	if r.Floor, err = readAndParse(filepath.Join(l.store, "models")); err != nil {
		return r, err
	}
	natsPort, err := e.Ports.Take()
	if err != nil {
		return r, err
	}
	ns, err := startNATS(natsPort)
	if err != nil {
		return r, err
	}
	defer ns.Shutdown()
	t0 := time.Now()
	cfg, err := startConfig(e.Bins, e.Ports, l, ns.ClientURL(), e.Log)
	if err != nil {
		return r, err
	}
	defer cfg.stop()
	if r.Healthz, err = cfg.waitFor("/healthz", t0, 10*time.Minute); err != nil {
		return r, err
	}
	if r.Ready, err = cfg.waitFor("/readyz", t0, 30*time.Minute); err != nil {
		return r, err
	}
	r.ConfigRSS, _ = cfg.settledRSS()
	t1 := time.Now()
	gw, err := startGateway(e.Bins, e.Ports, cfg.url, ns.ClientURL(), e.Log)
	if err != nil {
		return r, err
	}
	defer gw.stop()
	if r.Bootstrap, err = gw.waitFor("/readyz", t1, 10*time.Minute); err != nil {
		return r, err
	}
	r.GatewayRSS, _ = gw.settledRSS()
	return r, nil
}
