package workers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Defaults of the client knobs (sie-gateway.md §1.2, §7.2, §7.4).
const (
	DefaultConnectTimeout = 5 * time.Second
	DefaultReconnectDelay = 5 * time.Second
	DefaultCheckInterval  = 5 * time.Second
	// maxFrame caps one status message: a real worker with a hundred
	// models sends tens of kilobytes, above the library's 32 KiB default.
	maxFrame = 16 << 20
)

// ClientConfig configures the status clients.
type ClientConfig struct {
	ConnectTimeout time.Duration // dial and handshake (D3k)
	ReconnectDelay time.Duration // wait before re-dialing
	ReadTimeout    time.Duration // no frame for this long → close (heartbeat timeout)
	CheckInterval  time.Duration // heartbeat checker period
	HTTPClient     *http.Client  // for the upgrade request
}

func (c *ClientConfig) defaults() {
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.ReconnectDelay <= 0 {
		c.ReconnectDelay = DefaultReconnectDelay
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = DefaultHeartbeatTimeout
	}
	if c.CheckInterval <= 0 {
		c.CheckInterval = DefaultCheckInterval
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
}

// Clients runs one status client per worker plus the heartbeat checker.
type Clients struct {
	reg *Registry
	cfg ClientConfig
	wg  sync.WaitGroup
}

// StartClients registers every URL and starts its client, and the
// heartbeat checker; all stop when ctx ends (Wait waits for them, the
// sockets closed).
func StartClients(ctx context.Context, reg *Registry, urls []string, cfg ClientConfig) *Clients {
	cfg.defaults()
	c := &Clients{reg: reg, cfg: cfg}
	for _, u := range urls {
		w := reg.Add(u)
		c.wg.Add(1)
		go func() { defer c.wg.Done(); c.run(ctx, w) }()
	}
	c.wg.Add(1)
	go func() { defer c.wg.Done(); c.checkHeartbeats(ctx) }()
	return c
}

// Wait blocks until every client has closed its socket and returned.
func (c *Clients) Wait() { c.wg.Wait() }

func (c *Clients) checkHeartbeats(ctx context.Context) {
	t := time.NewTicker(c.cfg.CheckInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			c.reg.CheckHeartbeats(now)
		}
	}
}

// conn is the per-worker reading state, reused across frames and
// reconnects so a steady stream allocates nothing per frame.
type conn struct {
	w       *Worker
	wsURL   string
	buf     bytes.Buffer
	scan    scanner
	raw     rawStatus
	invalid int // invalid frames on this connection, to rate-limit warnings
}

// run dials, reads until the connection ends, marks the worker Unhealthy,
// waits the reconnect delay, and starts again, forever.
func (c *Clients) run(ctx context.Context, w *Worker) {
	cn := &conn{w: w, wsURL: StatusURL(w.url)}
	failures := 0
	for ctx.Err() == nil {
		frames, err := c.session(ctx, cn)
		if ctx.Err() != nil {
			return
		}
		c.reg.MarkUnhealthy(w.url, err.Error())
		if frames > 0 {
			failures = 0 // the connection worked: this is a new outage
		}
		failures++
		// One warning per outage; the retries of a worker that stays down
		// are debug noise (a thousand workers redial every 5 s).
		if failures == 1 {
			c.reg.log.Warn("worker status connection lost; reconnecting", "url", w.url, "err", err, "retry_in", c.cfg.ReconnectDelay)
		} else {
			c.reg.log.Debug("worker status reconnect failed", "url", w.url, "err", err)
		}
		t := time.NewTimer(c.cfg.ReconnectDelay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

var errReadTimeout = errors.New("no status frame within the heartbeat timeout")

// session is one connection: dial with the connect timeout, then read
// frames until an error, a close or the read deadline. It returns the
// number of frames read and why the connection ended.
func (c *Clients) session(ctx context.Context, cn *conn) (int, error) {
	dctx, cancel := context.WithTimeout(ctx, c.cfg.ConnectTimeout)
	ws, _, err := websocket.Dial(dctx, cn.wsURL, &websocket.DialOptions{HTTPClient: c.cfg.HTTPClient})
	cancel()
	if err != nil {
		return 0, fmt.Errorf("dial %s: %w", cn.wsURL, err)
	}
	ws.SetReadLimit(maxFrame)
	defer ws.CloseNow()
	stop := context.AfterFunc(ctx, func() { ws.Close(websocket.StatusGoingAway, "gateway shutting down") })
	defer stop()
	// The read deadline is a timer reset per frame rather than a context
	// per read, which would allocate on every frame.
	var timedOut atomic.Bool
	deadline := time.AfterFunc(c.cfg.ReadTimeout, func() {
		timedOut.Store(true)
		ws.CloseNow()
	})
	defer deadline.Stop()
	cn.invalid = 0
	for frames := 0; ; frames++ {
		_, rd, err := ws.Reader(context.Background())
		if err == nil {
			cn.buf.Reset()
			_, err = cn.buf.ReadFrom(rd)
		}
		if err != nil {
			if timedOut.Load() {
				return frames, errReadTimeout
			}
			return frames, err
		}
		deadline.Reset(c.cfg.ReadTimeout)
		c.frame(cn, time.Now())
	}
}

// frame handles one text or binary frame; both are JSON status messages.
func (c *Clients) frame(cn *conn, now time.Time) {
	if err := parseStatus(&cn.scan, cn.buf.Bytes(), &cn.raw); err != nil {
		cn.invalid++
		if cn.invalid == 1 {
			c.reg.log.Warn("ignoring invalid worker status message", "url", cn.w.url, "bytes", cn.buf.Len())
		}
		return
	}
	c.reg.apply(cn.w, &cn.raw, now)
}
