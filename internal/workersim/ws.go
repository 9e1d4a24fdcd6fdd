package workersim

import (
	"context"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// writeTimeout bounds one frame write; a client that stops reading is
// dropped, as the Python worker's failed send ends its loop.
const writeTimeout = 5 * time.Second

// serveStatus is GET /ws/status: a frame at once, then one per interval,
// plus one immediately after any change, until the client goes away
// (worker-protocol.md §6.1). The worker never reads application data.
func (w *Worker) serveStatus(rw http.ResponseWriter, r *http.Request) {
	if !w.addSocket() {
		http.Error(rw, "shutting down", http.StatusServiceUnavailable)
		return
	}
	defer w.sockets.Done()
	c, err := websocket.Accept(rw, r, &websocket.AcceptOptions{
		// Gateways are not browsers; any Origin is fine.
		InsecureSkipVerify: true,
	})
	if err != nil {
		w.log.Warn("status websocket upgrade failed", "err", err)
		return
	}
	// CloseRead handles control frames and reports when the peer is gone.
	ctx := c.CloseRead(context.Background())

	var disconnect <-chan time.Time
	if d := w.cfg.DisconnectAfter; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		disconnect = t.C
	}
	interval := w.cfg.statusInterval()
	tick := time.NewTimer(interval)
	defer tick.Stop()

	send := func() bool {
		wctx, cancel := context.WithTimeout(ctx, writeTimeout)
		defer cancel()
		return c.Write(wctx, websocket.MessageText, w.statusFrame(time.Now())) == nil
	}
	for {
		w.mu.Lock()
		frozen, changed, kick := w.frozen, w.changed, w.kick
		w.mu.Unlock()
		if !frozen && !send() {
			c.CloseNow()
			return
		}
		tick.Reset(interval)
		select {
		case <-tick.C:
		case <-changed:
		case <-ctx.Done():
			c.CloseNow()
			return
		case <-kick:
			c.CloseNow() // an abrupt drop, as a crashed worker or network fault
			return
		case <-disconnect:
			c.CloseNow()
			return
		case <-w.stopping:
			send() // the last frame carries ready=false
			c.Close(websocket.StatusGoingAway, "worker shutting down")
			return
		}
	}
}
