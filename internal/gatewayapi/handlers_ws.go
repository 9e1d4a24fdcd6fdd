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
// second; client messages are ignored.
func (s *server) clusterStatus(w http.ResponseWriter, r *http.Request, _ param) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
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
