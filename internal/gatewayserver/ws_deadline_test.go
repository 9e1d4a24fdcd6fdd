package gatewayserver_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/sieproject/sie/internal/gatewayserver"
)

// The request read deadline (ReadTimeout) bounds reading a request, not the
// life of a WebSocket taken over from it: a /ws/cluster-status client keeps
// its stream past the read timeout.
func TestClusterStatusOutlivesReadTimeout(t *testing.T) {
	c := newCluster(t)
	g := c.startGateway(func(cfg *gatewayserver.Config) { cfg.HTTPLimits.ReadTimeout = 300 * time.Millisecond })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(g.URL(), "http")+"/ws/cluster-status", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	start := time.Now()
	frames := 0
	for time.Since(start) < 2500*time.Millisecond {
		if _, _, err := ws.Read(ctx); err != nil {
			t.Fatalf("stream ended after %v and %d frames (read timeout 300ms): %v", time.Since(start), frames, err)
		}
		frames++
	}
	// A frame at once, then one per second.
	if frames < 3 {
		t.Fatalf("%d frames in %v", frames, time.Since(start))
	}
}
