// Package bus is the NATS transport for config deltas: a connection that
// comes up in the background and reconnects forever, plus the subject names.
package bus

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
)

// SubjectAll carries every delta, for gateways.
const SubjectAll = "sie.config.models._all"

// SubjectForBundle carries the deltas a bundle's workers apply.
func SubjectForBundle(bundle string) string { return "sie.config.models." + bundle }

// RetryInterval is the wait between connect attempts, initial and later.
const RetryInterval = 2 * time.Second

// Conn is a NATS connection that never gives up.
type Conn struct {
	nc     *nats.Conn
	log    *slog.Logger
	notify func(connected bool)
}

// Options tune a connection. Zero values take the defaults.
type Options struct {
	Name string
	// OnStateChange is called with true when the connection comes up and
	// false when it goes down.
	OnStateChange func(connected bool)
	// RetryInterval overrides RetryInterval (tests use a short one).
	RetryInterval time.Duration
	// ConnectTimeout bounds each connect attempt (default 2 s, sie-config's;
	// the gateway uses 5 s).
	ConnectTimeout time.Duration
}

// Connect starts connecting to url in the background and returns at once;
// callers check Connected before relying on it.
func Connect(url string, opts Options, log *slog.Logger) (*Conn, error) {
	wait := opts.RetryInterval
	if wait <= 0 {
		wait = RetryInterval
	}
	timeout := opts.ConnectTimeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	notify := func(up bool) {
		if opts.OnStateChange != nil {
			opts.OnStateChange(up)
		}
	}
	nc, err := nats.Connect(url,
		nats.Name(opts.Name),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(wait),
		nats.ReconnectJitter(0, 0),
		nats.Timeout(timeout),
		nats.ConnectHandler(func(*nats.Conn) {
			log.Info("nats connected", "url", url)
			notify(true)
		}),
		nats.ReconnectHandler(func(*nats.Conn) {
			log.Info("nats reconnected", "url", url)
			notify(true)
		}),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("nats disconnected", "url", url, "err", err)
			notify(false)
		}),
		nats.ClosedHandler(func(*nats.Conn) { notify(false) }),
	)
	if err != nil {
		// Only a malformed URL or option gets here; network trouble is retried.
		return nil, err
	}
	c := &Conn{nc: nc, log: log, notify: notify}
	if nc.IsConnected() {
		notify(true)
	}
	return c, nil
}

// Connected reports whether the connection is up right now.
func (c *Conn) Connected() bool { return c.nc.IsConnected() }

// MaxPayload is the server's max_payload (0 while never connected).
func (c *Conn) MaxPayload() int64 { return c.nc.MaxPayload() }

// ErrNotConnected is returned by Publish while the connection is down.
var ErrNotConnected = errors.New("nats: not connected")

// Publish hands data to the client library. While disconnected it fails
// instead of buffering, so a caller never reports an announcement that may
// never leave.
func (c *Conn) Publish(subject string, data []byte) error {
	if !c.nc.IsConnected() {
		return ErrNotConnected
	}
	return c.nc.Publish(subject, data)
}

// Flush waits until the server has seen everything published so far.
func (c *Conn) Flush(ctx context.Context) error { return c.nc.FlushWithContext(ctx) }

// Subscribe calls fn for each message on subject, one at a time.
func (c *Conn) Subscribe(subject string, fn func(data []byte)) (*nats.Subscription, error) {
	return c.nc.Subscribe(subject, func(m *nats.Msg) { fn(m.Data) })
}

// Close drains the connection, waiting at most timeout.
func (c *Conn) Close(timeout time.Duration) {
	done := make(chan struct{})
	c.nc.SetClosedHandler(func(*nats.Conn) {
		c.notify(false)
		close(done)
	})
	if err := c.nc.Drain(); err != nil {
		c.nc.Close()
		return
	}
	select {
	case <-done:
	case <-time.After(timeout):
		c.nc.Close()
	}
}
