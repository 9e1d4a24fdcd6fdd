package gatewayserver_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sieproject/sie/internal/gatewayserver"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/workersim"
)

func percentile(d []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	if i > 0 {
		i--
	}
	return s[i]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// natsFloor measures one bare publish → receive on the cluster's server.
type natsFloor struct {
	pub *nats.Conn
	got chan struct{}
}

func newNATSFloor(b *testing.B, url string) *natsFloor {
	pub, err := nats.Connect(url)
	if err != nil {
		b.Fatal(err)
	}
	sub, err := nats.Connect(url)
	if err != nil {
		b.Fatal(err)
	}
	f := &natsFloor{pub: pub, got: make(chan struct{}, 1)}
	if _, err := sub.Subscribe("bench.floor", func(*nats.Msg) { f.got <- struct{}{} }); err != nil {
		b.Fatal(err)
	}
	if err := sub.Flush(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { pub.Close(); sub.Close() })
	return f
}

// sample publishes a payload the size of a delta and waits for it.
func (f *natsFloor) sample(b *testing.B, payload []byte) time.Duration {
	t0 := time.Now()
	if err := f.pub.Publish("bench.floor", payload); err != nil {
		b.Fatal(err)
	}
	if err := f.pub.Flush(); err != nil {
		b.Fatal(err)
	}
	<-f.got
	return time.Since(t0)
}

// BenchmarkPropagation measures, over 1,000 writes, the time from a POST's
// response to both gateways showing the model, against a bare NATS
// publish → receive floor sampled between the writes in the same run.
//
//	go test -run '^$' -bench BenchmarkPropagation -benchtime 1x ./internal/gatewayserver/
func BenchmarkPropagation(b *testing.B) {
	const writes = 1000
	c := newCluster(b)
	for i := 0; i < 2; i++ {
		c.startGateway(func(cfg *gatewayserver.Config) { cfg.PollInterval = time.Hour })
	}
	c.waitReady()
	floor := newNATSFloor(b, c.NATSURL())
	payload := make([]byte, 600)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
	post := func(id string) {
		resp, err := client.Post(c.Config.URL()+"/v1/configs/models", "application/x-yaml", strings.NewReader(modelYAML(id, "default")))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 201 {
			b.Fatalf("POST %s: %d", id, resp.StatusCode)
		}
	}
	post("warm/up")
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		lat := make([]time.Duration, 0, writes)
		floors := make([]time.Duration, 0, writes)
		for i := 0; i < writes; i++ {
			floors = append(floors, floor.sample(b, payload))
			id := fmt.Sprintf("bench%d/m-%04d", n, (i*7919)%writes)
			post(id)
			t0 := time.Now()
			for _, g := range c.Gateways {
				for !hasModel(g, id) {
					time.Sleep(20 * time.Microsecond)
				}
			}
			lat = append(lat, time.Since(t0))
		}
		b.ReportMetric(ms(percentile(lat, 50)), "p50-ms")
		b.ReportMetric(ms(percentile(lat, 99)), "p99-ms")
		b.ReportMetric(ms(percentile(floors, 50)), "floor-p50-ms")
		b.ReportMetric(ms(percentile(floors, 99)), "floor-p99-ms")
	}
}

// loadRPS runs GETs of url from conc goroutines for d and returns requests/s.
func loadRPS(b *testing.B, url string, conc int, d time.Duration) float64 {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}}
	defer client.CloseIdleConnections()
	var count atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < conc; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				resp, err := client.Get(url)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("GET %s: %d", url, resp.StatusCode)
					return
				}
				count.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(count.Load()) / time.Since(start).Seconds()
}

// BenchmarkStatusThroughput compares GET /v1/configs/models/{id}/status with
// 500 simulated workers connected (all acking) against a hello-world
// handler on the same machine, both measured while the workers stream.
//
//	go test -run '^$' -bench BenchmarkStatusThroughput -benchtime 1x ./internal/gatewayserver/
func BenchmarkStatusThroughput(b *testing.B) {
	const workers, conc, window, rounds = 500, 8, 6 * time.Second, 6
	c := newCluster(b)
	c.fleet, _ = c.StartFleet("default", workers, 0, func(cfg *workersim.Config) { cfg.NATSURL = "" })
	g := c.startGateway(func(cfg *gatewayserver.Config) { cfg.NATSURL = ""; cfg.PollInterval = time.Hour })
	testkit.Eventually(b, 60*time.Second, "workers healthy", func() bool { return g.Registry().HealthyCount() == workers })
	statusURL := g.URL() + "/v1/configs/models/BAAI/bge-m3/status"
	testkit.Eventually(b, 10*time.Second, "acked", func() bool {
		_, body := c.get(g, "/v1/configs/models/BAAI/bge-m3/status")
		return strings.Contains(body, `"total_eligible_workers":500`) && strings.Contains(body, `"pending_workers":[]`)
	})
	hello := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "hello world")
	}))
	defer hello.Close()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		// Alternating short windows expose both targets to the same
		// background load (the fleet streaming, other processes).
		var helloRPS, statusRPS float64
		for i := 0; i < rounds; i++ {
			helloRPS += loadRPS(b, hello.URL, conc, window/rounds) / rounds
			statusRPS += loadRPS(b, statusURL, conc, window/rounds) / rounds
		}
		b.ReportMetric(statusRPS, "status-req/s")
		b.ReportMetric(helloRPS, "hello-req/s")
		b.ReportMetric(statusRPS/helloRPS, "ratio")
	}
}
