package configserver_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

// BenchmarkConcurrentWriters measures the throughput of 64 clients POSTing
// new models at once (group commit) against a floor measured in the same
// run: the rate of serial durable file replaces (temp write + fsync +
// rename + dir fsync) in the same file system. The goal is writes/s ≥ the
// floor rate (ratio ≥ 1).
//
//	go test -run '^$' -bench BenchmarkConcurrentWriters -benchtime 3000x ./internal/configserver/
func BenchmarkConcurrentWriters(b *testing.B) {
	const writers = 64
	ns := testkit.NATS(b)
	srv := startBenchServer(b, 100, ns.ClientURL())
	defer func() { _ = srv.Shutdown(context.Background()) }()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: writers}}
	url := srv.URL() + "/v1/configs/models"
	post(b, client, url, "warm/up")

	floorDir, payload := b.TempDir(), []byte(fmt.Sprintf("%0400d", 0))
	replaces, t0 := 0, time.Now()
	for time.Since(t0) < 500*time.Millisecond {
		durableReplace(b, floorDir, "floor.yaml", payload, replaces)
		replaces++
	}
	serial := float64(replaces) / time.Since(t0).Seconds()

	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	cpu0 := processCPU(b)
	start := time.Now()
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				post(b, client, url, fmt.Sprintf("m%04d/w-%d", (i*7919)%100, i))
			}
		}()
	}
	wg.Wait()
	rate := float64(b.N) / time.Since(start).Seconds()
	cpu := processCPU(b) - cpu0
	b.StopTimer()
	// The CPU time of this whole process (server, clients and NATS) per
	// write: less noisy than the rates on a shared machine.
	b.ReportMetric(ms(cpu)/float64(b.N), "cpu-ms/write")
	b.ReportMetric(rate, "writes/s")
	b.ReportMetric(serial, "floor-replaces/s")
	b.ReportMetric(rate/serial, "writes/floor")
}

// processCPU is the user plus system CPU time this process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	must(b, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
