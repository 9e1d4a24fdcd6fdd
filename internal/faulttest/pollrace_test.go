package faulttest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/gateway"
	"github.com/sieproject/sie/internal/testkit"
)

// TestPollRacingDeltaIsNoRewind: a delta that lands while the poller's
// GET /epoch is in flight raises L above the epoch in the answer. That
// answer is merely older than the delta, not a rewind (sie-config's epoch
// never goes down while it runs), so it must not trigger a "rewind" resync.
// The storm tests hit this race naturally; here it is forced.
func TestPollRacingDeltaIsNoRewind(t *testing.T) {
	var (
		mu       sync.Mutex
		epoch    uint64 = 1
		polls    atomic.Int64
		mirror   atomic.Pointer[gateway.Mirror]
		raced    atomic.Bool
		bootDone atomic.Bool
	)
	doc := "sie_id: race/m\nprofiles:\n  default:\n    adapter_path: " + adapterDefault + "\n    max_batch_tokens: 1\n"
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/configs/epoch", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		answer := epoch
		mu.Unlock()
		if bootDone.Load() && polls.Add(1) == 1 {
			// The race: a write commits and its delta is applied between
			// the moment this answer was read and the moment it arrives.
			mu.Lock()
			epoch++
			e := epoch
			mu.Unlock()
			if m := mirror.Load(); m != nil {
				m.HandleDelta(deltaPayload("sie-config-0", e, "race/m", doc))
				raced.Store(m.Snapshot().Epoch() == e)
			}
		}
		fmt.Fprintf(w, `{"epoch":%d,"bundles_hash":"h"}`, answer)
	})
	mux.HandleFunc("GET /v1/configs/bundles", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"bundles":[{"bundle_id":"default"}]}`)
	})
	mux.HandleFunc("GET /v1/configs/bundles/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-yaml")
		fmt.Fprint(w, "adapters:\n- sie_server.adapters.bert_flash\nname: default\npriority: 10\nsource: filesystem\n")
	})
	mux.HandleFunc("GET /v1/configs/export", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		e := epoch
		mu.Unlock()
		models := "[]"
		if e > 1 {
			models = fmt.Sprintf(`[{"model_id":"race/m","model_config":{"sie_id":"race/m"},"raw_yaml":%q,"affected_bundles":["default"]}]`, doc)
		}
		fmt.Fprintf(w, `{"snapshot_version":1,"epoch":%d,"models":%s}`, e, models)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	metrics := gateway.NewMetrics(nil)
	m := gateway.New(gateway.Config{ConfigURL: srv.URL, PollInterval: 20 * time.Millisecond, Metrics: metrics})
	mirror.Store(m)
	ctx, cancel := context.WithCancel(context.Background())
	m.Start(ctx)
	t.Cleanup(func() { cancel(); m.Wait() })
	testkit.Eventually(t, 5*time.Second, "bootstrap", func() (bool, string) { return m.Ready(), "" })
	bootDone.Store(true)
	testkit.Eventually(t, 5*time.Second, "the racing poll and a few more", func() (bool, string) { return polls.Load() >= 5, "" })
	if !raced.Load() {
		t.Fatal("the delta did not apply during the poll; the race was not reproduced")
	}
	if n := counterValue(metrics.Resyncs.WithLabelValues(gateway.TriggerRewind, "success")); n != 0 {
		t.Errorf("a poll answer older than a concurrent delta triggered %v rewind resync(s); "+
			"sie-config never rewound (gateway/poller.go pollOnce compares the answer with L read after the request)", n)
	}
}

// deltaPayload is a sie-config NATS payload for a model document.
func deltaPayload(producer string, epoch uint64, id, doc string) []byte {
	return fmt.Appendf(nil, `{"router_id":%q,"bundle_id":"default","epoch":%d,"bundle_config_hash":"x","model_id":%q,"profiles_added":["default"],"model_config":%q,"affected_bundles":["default"]}`,
		producer, epoch, id, doc)
}
