package gatewayserver_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sieproject/sie/internal/testkit"
)

// Fleet benchmark sizes: 3 gateways, each hearing every one of 300
// simulated workers (SIE_BENCH_WORKERS overrides the 300).
const (
	benchGateways = 3
	benchWrites   = 100
)

func benchWorkerCount() int {
	if n, err := strconv.Atoi(os.Getenv("SIE_BENCH_WORKERS")); err == nil && n > 0 {
		return n
	}
	return 300
}

// benchHealthMode is how the gateways learn about the workers: "ws" (the
// static list, each gateway holding a status socket to every worker) or
// "nats" (the workers' heartbeats on sie.health.>, no list). Set
// SIE_BENCH_HEALTH_MODE=nats to measure the latter.
func benchHealthMode() string {
	if m := os.Getenv("SIE_BENCH_HEALTH_MODE"); m != "" {
		return m
	}
	return "ws"
}

// BenchmarkRolloutFleet measures what a user of the fleet-wide rollout
// sees: the real sie-gateway binaries (3 processes) and one sie-worker-sim
// process running 300 workers, with sie-config and NATS in the benchmark
// process. Each of 200 writes: the time from the POST's response until
// GET …/{id}/rollout?wait=ready&min_epoch=E (on each gateway in turn)
// answers ready across all three gateways; between writes, a bare NATS
// request-reply round trip on the same server is the floor. It also reads
// each gateway process's CPU time (/proc) while idle with the workers
// streaming and during the writes, reported per 1,000 workers.
//
//	go test -run '^$' -bench BenchmarkRolloutFleet -benchtime 1x -count 3 ./internal/gatewayserver/
func BenchmarkRolloutFleet(b *testing.B) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		b.Skip("needs /proc for the gateways' CPU time")
	}
	mode := benchHealthMode()
	nWorkers := benchWorkerCount()
	bins := buildBinaries(b, "sie-gateway", "sie-worker-sim")
	c := newCluster(b)
	firstPort := testkit.FreePorts(b, nWorkers)
	simArgs := []string{"--bundle", "default", "--count", strconv.Itoa(nWorkers), "--port", strconv.Itoa(firstPort),
		"--models-dir", filepath.Join(c.Catalog, "models"), "--bundles-dir", filepath.Join(c.Catalog, "bundles"),
		"--nats-url", c.NATSURL(), "--config-url", c.Config.URL()}
	if mode != "ws" {
		simArgs = append(simArgs, "--health-mode", mode)
	}
	sim := startProcess(b, bins["sie-worker-sim"], simArgs, nil)
	var urls []string
	for i := 0; i < nWorkers; i++ {
		urls = append(urls, fmt.Sprintf("http://127.0.0.1:%d", firstPort+i))
	}
	var gws []*process
	var gwURLs []string
	for i := 0; i < benchGateways; i++ {
		port := testkit.FreePort(b)
		env := []string{"SIE_GATEWAY_PORT=" + strconv.Itoa(port), "SIE_GATEWAY_HOST=127.0.0.1",
			"SIE_CONFIG_SERVICE_URL=" + c.Config.URL(), "SIE_NATS_URL=" + c.NATSURL(),
			fmt.Sprintf("SIE_GATEWAY_ID=gw-%d", i), "SIE_LOG_LEVEL=error", "SIE_GATEWAY_HEALTH_MODE=" + mode}
		if mode == "ws" {
			env = append(env, "SIE_GATEWAY_WORKERS="+strings.Join(urls, ","))
		}
		gws = append(gws, startProcess(b, bins["sie-gateway"], []string{"serve"}, env))
		gwURLs = append(gwURLs, fmt.Sprintf("http://127.0.0.1:%d", port))
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	rollout := func(base, id, query string) (rolloutView, error) {
		resp, err := client.Get(base + "/v1/configs/models/" + id + "/rollout" + query)
		if err != nil {
			return rolloutView{}, err
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var v rolloutView
		if resp.StatusCode != 200 {
			return v, fmt.Errorf("%d %s", resp.StatusCode, raw)
		}
		err = json.Unmarshal(raw, &v)
		return v, err
	}
	testkit.Eventually(b, 120*time.Second, "every gateway connected to every worker", func() (bool, string) {
		for _, u := range gwURLs {
			resp, err := client.Get(u + "/v1/configs/bundles")
			if err != nil {
				return false, err.Error()
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !bytes.Contains(raw, []byte(fmt.Sprintf(`"bundle_id":"default","connected_workers":%d`, nWorkers))) &&
				!bytes.Contains(raw, []byte(fmt.Sprintf(`"connected_workers":%d`, nWorkers))) {
				return false, u + ": " + string(raw)
			}
		}
		return true, ""
	})
	c.mustWrite(http.MethodPost, "/v1/configs/models", modelYAML("warm/up", "default"), http.StatusCreated)
	testkit.Eventually(b, 120*time.Second, "every gateway sees every worker and its peers", func() (bool, string) {
		for _, u := range gwURLs {
			v, err := rollout(u, "warm/up", "")
			if err != nil {
				return false, err.Error()
			}
			if v.State != "ready" || v.GatewaysKnown != benchGateways || v.Totals.Eligible != nWorkers {
				return false, fmt.Sprintf("%s: %s, %d gateways, %d/%d workers", u, v.State, v.GatewaysKnown, v.Totals.Acked, v.Totals.Eligible)
			}
		}
		return true, ""
	})
	floor := newRoundTripFloor(b, c.NATSURL())
	payload := make([]byte, 600)

	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		idle := cpuSeconds(b, gws)
		idleSim := cpuSeconds(b, []*process{sim})
		t0 := time.Now()
		time.Sleep(10 * time.Second) // a measurement window, not a wait for state
		idleWall := time.Since(t0).Seconds()
		idle = cpuSeconds(b, gws) - idle
		idleSim = cpuSeconds(b, []*process{sim}) - idleSim

		busy := cpuSeconds(b, gws)
		w0 := time.Now()
		lat := make([]time.Duration, 0, benchWrites)
		floors := make([]time.Duration, 0, benchWrites)
		replicas := make([]time.Duration, 0, benchWrites)
		for i := 0; i < benchWrites; i++ {
			floors = append(floors, floor.sample(b, payload))
			id := fmt.Sprintf("fleet%d/m-%04d", n, i)
			status, epoch := c.write(http.MethodPost, "/v1/configs/models", modelYAML(id, "default"))
			if status != http.StatusCreated {
				b.Fatalf("POST %s: %d", id, status)
			}
			posted := time.Now()
			// Alongside, each gateway's own status long-poll: the slowest
			// of them is when the last replica saw its workers ready,
			// which the rollout cannot beat.
			var wg sync.WaitGroup
			statusDone := make([]time.Duration, benchGateways)
			for g, u := range gwURLs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					resp, err := client.Get(fmt.Sprintf("%s/v1/configs/models/%s/status?wait=ready&min_epoch=%d&timeout=30s", u, id, epoch))
					if err == nil {
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
					statusDone[g] = time.Since(posted)
				}()
			}
			v, err := rollout(gwURLs[i%benchGateways], id, fmt.Sprintf("?wait=ready&min_epoch=%d&timeout=30s", epoch))
			if err != nil || v.State != "ready" || v.GatewaysAnswered != benchGateways || v.Totals.Acked != nWorkers {
				b.Fatalf("rollout of %s: %v %+v", id, err, v)
			}
			lat = append(lat, time.Since(posted))
			wg.Wait()
			slowest := statusDone[0]
			for _, d := range statusDone[1:] {
				slowest = max(slowest, d)
			}
			replicas = append(replicas, slowest)
		}
		busyWall := time.Since(w0).Seconds()
		busy = cpuSeconds(b, gws) - busy

		per1k := 1000.0 / float64(nWorkers) / benchGateways * 100 // % of one core per gateway per 1,000 workers
		b.ReportMetric(ms(percentile(lat, 50)), "p50-ms")
		b.ReportMetric(ms(percentile(lat, 99)), "p99-ms")
		b.ReportMetric(ms(percentile(replicas, 50)), "slowest-status-p50-ms")
		b.ReportMetric(ms(percentile(replicas, 99)), "slowest-status-p99-ms")
		b.ReportMetric(ms(percentile(floors, 50)), "floor-p50-ms")
		b.ReportMetric(ms(percentile(floors, 99)), "floor-p99-ms")
		b.ReportMetric(idle/idleWall*per1k, "gw-idle-%core/1k-workers")
		b.ReportMetric(busy/busyWall*per1k, "gw-writes-%core/1k-workers")
		b.ReportMetric(idleSim/idleWall*100, "sim-idle-%core")
		b.Logf("mode %s, %d gateways x %d workers: %d writes in %.1f s; load: %s", mode, benchGateways, nWorkers, benchWrites, busyWall, loadAverage())
	}
}

// roundTripFloor is a bare NATS request → reply between two connections.
type roundTripFloor struct{ req *nats.Conn }

func newRoundTripFloor(b *testing.B, url string) *roundTripFloor {
	req, err := nats.Connect(url)
	if err != nil {
		b.Fatal(err)
	}
	rep, err := nats.Connect(url)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := rep.Subscribe("bench.rtt", func(m *nats.Msg) { _ = m.Respond(m.Data) }); err != nil {
		b.Fatal(err)
	}
	if err := rep.Flush(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { req.Close(); rep.Close() })
	return &roundTripFloor{req: req}
}

func (f *roundTripFloor) sample(b *testing.B, payload []byte) time.Duration {
	t0 := time.Now()
	if _, err := f.req.Request("bench.rtt", payload, 10*time.Second); err != nil {
		b.Fatal(err)
	}
	return time.Since(t0)
}

// buildBinaries builds the named commands into a temporary directory.
func buildBinaries(b *testing.B, names ...string) map[string]string {
	dir := b.TempDir()
	out := map[string]string{}
	for _, n := range names {
		p := filepath.Join(dir, n)
		cmd := exec.Command(testkit.GoTool(), "build", "-o", p, "github.com/sieproject/sie/cmd/"+n)
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("go build %s: %v\n%s", n, err, msg)
		}
		out[n] = p
	}
	return out
}

// process is a child process the benchmark started; it is stopped (by its
// pid) when the benchmark ends.
type process struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
}

func startProcess(b *testing.B, bin string, args, env []string) *process {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	p := &process{cmd: cmd, stderr: &bytes.Buffer{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if b.Failed() && p.stderr.Len() > 0 {
			tail := p.stderr.Bytes()
			tail = tail[max(0, len(tail)-2000):]
			b.Logf("%s stderr (end):\n%s", filepath.Base(bin), tail)
		}
	})
	return p
}

// cpuSeconds is the user+system CPU time of the processes so far.
func cpuSeconds(b *testing.B, ps []*process) float64 {
	total := 0.0
	for _, p := range ps {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
		if err != nil {
			b.Fatal(err)
		}
		// Fields after the command name (which may hold spaces): state is
		// field 3, utime 14 and stime 15.
		f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
		ut, _ := strconv.ParseFloat(f[11], 64)
		st, _ := strconv.ParseFloat(f[12], 64)
		total += (ut + st) / 100 // USER_HZ is 100 on Linux
	}
	return total
}

func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(raw))[:3], " ")
}
