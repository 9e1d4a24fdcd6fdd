package configserver_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sieproject/sie/internal/configserver"
	"github.com/sieproject/sie/internal/testkit"
)

// BenchmarkReplicatedWrite measures one client's PUT latency on a nats://
// store (HTTP → plan → one JetStream publish-with-ack on condition of the
// last sequence → commit → delta), against the floor measured in the same
// run and sampled between the writes: a bare JetStream publish with ack of
// a document of the same size, with the same expected-last-sequence
// condition, to a stream of the same configuration (file storage, R1).
//
//	go test -run '^$' -bench BenchmarkReplicatedWrite -benchtime 1000x -count 3 ./internal/configserver/
func BenchmarkReplicatedWrite(b *testing.B) {
	ns := testkit.NATS(b, func(o *natsserver.Options) { o.JetStream, o.StoreDir = true, b.TempDir() })
	b.Setenv("SIE_NATS_URL", ns.ClientURL())
	floor := newJetStreamFloor(b, ns.ClientURL())
	l := newLayout(b, nil, nil)
	cfg := l.config()
	cfg.StoreURL, cfg.NATSURL = "nats://bench", ns.ClientURL()
	srv := bootBench(b, cfg)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	put(b, client, srv.URL(), "warm/up", 0)
	lat := make([]time.Duration, 0, b.N)
	floors := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		floors = append(floors, floor.sample(b))
		t0 := time.Now()
		put(b, client, srv.URL(), fmt.Sprintf("bench/m%d", i%50), i+1)
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	p50, p99, f50, f99 := percentile(lat, 50), percentile(lat, 99), percentile(floors, 50), percentile(floors, 99)
	b.ReportMetric(ms(p50), "p50-ms")
	b.ReportMetric(ms(p99), "p99-ms")
	b.ReportMetric(ms(f50), "floor-p50-ms")
	b.ReportMetric(ms(f99), "floor-p99-ms")
	b.ReportMetric(float64(p50)/float64(f50), "p50/floor")
	b.ReportMetric(float64(p99)/float64(f99), "p99/floor")
}

// BenchmarkReplicaThroughput: 64 concurrent clients spread over 1, 2 and 3
// sie-config replicas sharing a nats:// store, and over one sie-config on a
// local store (fsync), each client PUTting its own model; acknowledged
// writes per second.
//
//	go test -run '^$' -bench BenchmarkReplicaThroughput -benchtime 2000x -count 3 ./internal/configserver/
func BenchmarkReplicaThroughput(b *testing.B) {
	const clients = 64
	cases := []struct {
		name     string
		replicas int
		local    bool
	}{{"store=local/replicas=1", 1, true}, {"store=nats/replicas=1", 1, false}, {"store=nats/replicas=2", 2, false}, {"store=nats/replicas=3", 3, false}}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			ns := testkit.NATS(b, func(o *natsserver.Options) { o.JetStream, o.StoreDir = true, b.TempDir() })
			b.Setenv("SIE_NATS_URL", ns.ClientURL())
			l := newLayout(b, nil, nil)
			var urls []string
			for i := range c.replicas {
				cfg := l.config()
				cfg.RouterID, cfg.NATSURL = fmt.Sprintf("sie-config-%d", i), ns.ClientURL()
				cfg.StoreURL = "nats://tput"
				if c.local {
					cfg.StoreURL = l.store
				}
				urls = append(urls, bootBench(b, cfg).URL())
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for k := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for v := 1; ; v++ {
						if next.Add(1) > int64(b.N) {
							return
						}
						put(b, client, urls[k%len(urls)], fmt.Sprintf("tput/c%d", k), v)
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "writes/s")
		})
	}
}

func bootBench(b *testing.B, cfg configserver.Config) *configserver.Server {
	b.Helper()
	cfg.Host, cfg.Port, cfg.LogOutput = "127.0.0.1", 0, io.Discard
	srv, err := configserver.Start(context.Background(), cfg)
	must(b, err)
	b.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	testkit.Eventually(b, 10*time.Second, "sie-config writable", func() bool {
		return srv.Service().NATSConnected() && srv.Service().Unavailable() == nil
	})
	return srv
}

func put(b *testing.B, c *http.Client, base, id string, version int) {
	body := fmt.Sprintf("sie_id: %s\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:BertFlashAdapter\n    max_batch_tokens: %d\n", id, 1000+version)
	req, err := http.NewRequest("PUT", base+"/v1/configs/models/"+id, strings.NewReader(body))
	must(b, err)
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 && resp.StatusCode != 201 {
		b.Fatalf("PUT %s: %d %s", id, resp.StatusCode, data)
	}
}

// jetStreamFloor publishes a document-sized message with ack and an
// expected last sequence to a stream configured like the store's.
type jetStreamFloor struct {
	js   jetstream.JetStream
	last uint64
	data []byte
}

func newJetStreamFloor(b *testing.B, url string) *jetStreamFloor {
	nc, err := nats.Connect(url)
	must(b, err)
	b.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	must(b, err)
	_, err = js.CreateStream(context.Background(), jetstream.StreamConfig{Name: "FLOOR", Subjects: []string{"floor.>"},
		Storage: jetstream.FileStorage, Replicas: 1, Discard: jetstream.DiscardNew, DenyDelete: true, DenyPurge: true, AllowDirect: true})
	must(b, err)
	return &jetStreamFloor{js: js, data: []byte(strings.Repeat("x", 160))}
}

func (f *jetStreamFloor) sample(b *testing.B) time.Duration {
	msg := nats.NewMsg("floor.doc")
	msg.Data = f.data
	t0 := time.Now()
	ack, err := f.js.PublishMsg(context.Background(), msg, jetstream.WithExpectLastSequence(f.last))
	d := time.Since(t0)
	must(b, err)
	f.last = ack.Sequence
	return d
}
