package gatewayapi

import (
	"context"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/sieproject/sie/internal/canonjson"
)

// clusterStatusInterval is the push period of /ws/cluster-status.
const clusterStatusInterval = time.Second

// clusterStatus is GET /ws/cluster-status: a frame at once, then one per
// second; client messages are ignored. A browser may open it only from the
// gateway's own origin or one of the configured WSOrigins (clients that
// send no Origin, like SDKs, are not browsers and pass), and at most
// WSMaxClients stream at once.
func (s *server) clusterStatus(w http.ResponseWriter, r *http.Request, _ param) {
	select {
	case s.wsSlots <- struct{}{}:
		defer func() { <-s.wsSlots }()
	default:
		writeMessage(w, http.StatusServiceUnavailable, "Too many cluster-status clients")
		return
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: s.wsOrigins})
	if err != nil {
		return // Accept answered (403 for a foreign Origin)
	}
	defer c.CloseNow()
	ctx := c.CloseRead(r.Context())
	stop := context.AfterFunc(s.ctx, func() { c.Close(websocket.StatusGoingAway, "gateway shutting down") })
	defer stop()
	t := time.NewTicker(clusterStatusInterval)
	defer t.Stop()
	for {
		body := clusterBody(s.workers.Workers())
		body["timestamp"] = time.Now().Unix()
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := c.Write(wctx, websocket.MessageText, canonjson.AppendCanonical(nil, body, canonjson.ORJSON))
		cancel()
		if err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
