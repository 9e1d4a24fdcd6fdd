package siectl

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

// The watcher hears a write as soon as the gateway does: a gateway that
// has not applied it yet answers 404, and the acks are still followed.
func TestDevWatcherWaitsForTheGatewayToApplyAWrite(t *testing.T) {
	var polls atomic.Int32
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if polls.Add(1) <= 3 { // not applied yet
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"message":"Model 'm/x/status' not found"}`))
			return
		}
		_, _ = w.Write([]byte(`{"all_bundles_acked":true,"config_epoch":4,"bundles":[{"bundle_id":"default","acked_workers":["w"],"total_eligible_workers":1}]}`))
	}))
	defer gw.Close()
	var out testkit.Logs
	w := &devWatcher{out: &out, gateway: newClient(gw.URL, ""), poll: 5 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w.trackAcks(ctx, "m/x", 4, false)
	if got := out.String(); !strings.Contains(got, "acks   m/x  default 1/1 workers acked  (all acked)") {
		t.Fatalf("after %d polls: %q", polls.Load(), got)
	}
	// After a delete, a 404 ends the tracking at once.
	polls.Store(0)
	w.trackAcks(ctx, "m/x", 5, true)
	if n := polls.Load(); n != 1 {
		t.Fatalf("%d polls after a delete", n)
	}
}
