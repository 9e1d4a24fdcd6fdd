package configserver_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sieproject/sie/internal/configserver"
	"github.com/sieproject/sie/internal/testkit"
)

// BenchmarkPostNewModel measures POST /v1/configs/models of a new model end
// to end (HTTP → validate → store → epoch → NATS publish) with 100 and with
// 10,000 models already in the registry, against a floor measured in the
// same run, sampled between the POSTs: one durable file replace (temp write
// + fsync + rename + dir fsync) plus one NATS publish + flush.
//
//	go test -run '^$' -bench BenchmarkPostNewModel -benchtime 400x ./internal/configserver/
func BenchmarkPostNewModel(b *testing.B) {
	ns := testkit.NATS(b)
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprintf("models=%d", n), func(b *testing.B) {
			fl := newFloorProbe(b, ns.ClientURL())
			srv := startBenchServer(b, n, ns.ClientURL())
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			url := srv.URL() + "/v1/configs/models"
			// Warm the connection and the code paths.
			post(b, client, url, "warm/up")
			lat := make([]time.Duration, 0, b.N)
			floors := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// The floor is sampled between POSTs so both see the same
				// machine load.
				floors = append(floors, fl.sample(b, i))
				// Ids spread over the sorted registry, not appended at its end.
				id := fmt.Sprintf("m%04d/bench-%d", (i*7919)%n, i)
				t0 := time.Now()
				post(b, client, url, id)
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			p50, p99, floor := percentile(lat, 50), percentile(lat, 99), percentile(floors, 50)
			b.ReportMetric(ms(p50), "p50-ms")
			b.ReportMetric(ms(p99), "p99-ms")
			b.ReportMetric(ms(floor), "floor-p50-ms")
			b.ReportMetric(float64(p50)/float64(floor), "p50/floor")
			_ = srv.Shutdown(context.Background())
		})
	}
}

func post(b *testing.B, c *http.Client, url, id string) {
	body := "sie_id: " + id + "\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:BertFlashAdapter\n    max_batch_tokens: 8192\n"
	resp, err := c.Post(url, "application/x-yaml", strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || !strings.Contains(string(data), `"warnings":[]`) {
		b.Fatalf("POST %s: %d %s", id, resp.StatusCode, data)
	}
}

// startBenchServer runs sie-config with n seed models, a local store and NATS.
func startBenchServer(b *testing.B, n int, natsURL string) *configserver.Server {
	dir := b.TempDir()
	bundles, models := filepath.Join(dir, "bundles"), filepath.Join(dir, "models")
	must(b, os.MkdirAll(bundles, 0o755))
	must(b, os.MkdirAll(models, 0o755))
	must(b, os.WriteFile(filepath.Join(bundles, "default.yaml"),
		[]byte("name: default\npriority: 10\nadapters:\n- sie_server.adapters.bert_flash\n"), 0o644))
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("m%04d/seed", i)
		doc := "sie_id: " + id + "\nhf_id: " + id + "\ntasks:\n  encode:\n    dense:\n      dim: 768\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:BertFlashAdapter\n    max_batch_tokens: 8192\n"
		must(b, os.WriteFile(filepath.Join(models, strings.ReplaceAll(id, "/", "__")+".yaml"), []byte(doc), 0o644))
	}
	// Flush the seed files now: left dirty, they would be written back
	// inside the measured fsyncs and bill the large registry for setup I/O.
	syscall.Sync()
	srv, err := configserver.Start(context.Background(), configserver.Config{
		Host: "127.0.0.1", BundlesDir: bundles, ModelsDir: models,
		StoreURL: filepath.Join(dir, "store"), NATSURL: natsURL, RouterID: "bench",
		LogLevel: 8, LogOutput: io.Discard,
	})
	must(b, err)
	testkit.Eventually(b, 10*time.Second, "sie-config on NATS", srv.Service().NATSConnected)
	return srv
}

// floorProbe measures the least a durable, announced write can cost: one
// durable file replace plus one NATS publish + flush.
type floorProbe struct {
	nc      *nats.Conn
	dir     string
	payload []byte
}

func newFloorProbe(b *testing.B, natsURL string) *floorProbe {
	nc, err := nats.Connect(natsURL)
	must(b, err)
	b.Cleanup(nc.Close)
	return &floorProbe{nc: nc, dir: b.TempDir(), payload: []byte(strings.Repeat("x", 400))}
}

func (f *floorProbe) sample(b *testing.B, i int) time.Duration {
	t0 := time.Now()
	durableReplace(b, f.dir, "floor.yaml", f.payload, i)
	must(b, f.nc.Publish("sie.bench.floor", f.payload))
	must(b, f.nc.Flush())
	return time.Since(t0)
}

func durableReplace(b *testing.B, dir, name string, data []byte, i int) {
	tmp := filepath.Join(dir, "."+name+"."+strconv.Itoa(i)+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	must(b, err)
	_, err = f.Write(data)
	must(b, err)
	must(b, f.Sync())
	must(b, f.Close())
	must(b, os.Rename(tmp, filepath.Join(dir, name)))
	d, err := os.Open(dir)
	must(b, err)
	must(b, d.Sync())
	must(b, d.Close())
}

func percentile(lat []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s) == 0 {
		return 0
	}
	return s[(len(s)-1)*p/100]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}
