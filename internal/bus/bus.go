// Package bus is the NATS transport for config deltas: a connection that
// comes up in the background and reconnects forever, plus the subject names.
package bus

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sieproject/sie/internal/logging"
)

// SubjectAll carries every delta, for gateways.
const SubjectAll = "sie.config.models._all"

// GenerationHeader carries sie-config's generation on every delta.
const GenerationHeader = "Sie-Config-Generation"

// SubjectForBundle carries the deltas a bundle's workers apply.
func SubjectForBundle(bundle string) string { return "sie.config.models." + bundle }

// RetryInterval is the wait between connect attempts, initial and later.
const RetryInterval = 2 * time.Second

// FlushTimeout bounds every socket write of the client library (its
// "flusher timeout", one minute by default): a server that stops reading
// fails the connection within this time instead of holding a publisher.
const FlushTimeout = 2 * time.Second

// Conn is a NATS connection that never gives up.
type Conn struct {
	nc      *nats.Conn
	log     *slog.Logger
	notify  func(connected bool)
	closing atomic.Bool // a drain is under way: disconnects are expected
	// up and maxPayload mirror the connection's state, kept by its
	// handlers: reading them never takes the client library's lock, which
	// a publish blocked on a server that stopped reading holds.
	up         atomic.Bool
	maxPayload atomic.Int64
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
	// Credentials authenticate the connection (SIE_NATS_USER, …).
	Credentials Credentials
}

// Connect starts connecting to url in the background and returns at once;
// callers check Connected before relying on it. Only a malformed URL or bad
// credentials fail here; network trouble is retried forever.
func Connect(url string, opts Options, log *slog.Logger) (*Conn, error) {
	wait := opts.RetryInterval
	if wait <= 0 {
		wait = RetryInterval
	}
	timeout := opts.ConnectTimeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	creds, err := opts.Credentials.Options()
	if err != nil {
		return nil, err
	}
	c := &Conn{log: log}
	c.notify = func(up bool) {
		c.up.Store(up)
		if opts.OnStateChange != nil {
			opts.OnStateChange(up)
		}
	}
	shown := RedactURL(url)
	asyncErrors := logging.NewSampler(time.Minute, 10)
	natsOpts := append([]nats.Option{
		nats.Name(opts.Name),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(wait),
		nats.ReconnectJitter(0, 0),
		nats.Timeout(timeout),
		nats.FlusherTimeout(FlushTimeout),
		nats.ConnectHandler(func(nc *nats.Conn) {
			log.Info("nats connected", "url", shown)
			c.maxPayload.Store(nc.MaxPayload())
			c.notify(true)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("nats reconnected", "url", shown)
			c.maxPayload.Store(nc.MaxPayload())
			c.notify(true)
		}),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			// A drain at shutdown closes the connection on purpose.
			if err == nil || c.closing.Load() {
				log.Info("nats disconnected", "url", shown)
			} else {
				log.Warn("nats disconnected", "url", shown, "err", err)
			}
			c.notify(false)
		}),
		// Asynchronous errors (a permission violation above all) would
		// otherwise go unseen; they are rate-limited like any input-driven log.
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			args := []any{"err", logging.Truncate(err.Error(), logging.MaxFieldBytes)}
			if sub != nil {
				args = append(args, "subject", sub.Subject)
			}
			asyncErrors.Log(log, slog.LevelWarn, "nats error", args...)
		}),
		nats.ClosedHandler(func(*nats.Conn) { c.notify(false) }),
	}, creds...)
	nc, err := nats.Connect(url, natsOpts...)
	if err != nil {
		return nil, err
	}
	c.nc = nc
	if nc.IsConnected() {
		c.maxPayload.Store(nc.MaxPayload())
		c.notify(true)
	}
	return c, nil
}

// Connected reports whether the connection is up right now. It never
// waits for the client library's lock.
func (c *Conn) Connected() bool { return c.up.Load() }

// MaxPayload is the server's max_payload (0 while never connected).
func (c *Conn) MaxPayload() int64 { return c.maxPayload.Load() }

// ErrNotConnected is returned by Publish while the connection is down.
var ErrNotConnected = errors.New("nats: not connected")

// Publish hands data to the client library. While disconnected it fails
// instead of buffering, so a caller never reports an announcement that may
// never leave.
func (c *Conn) Publish(subject string, data []byte) error {
	return c.PublishMsg(subject, nil, data)
}

// PublishMsg is Publish with message headers (nil: none). Headers leave the
// payload bytes untouched. A server too old for headers, or a payload so
// close to max_payload that the headers would not fit, gets the message
// without them: the payload is the contract, the headers an addition.
func (c *Conn) PublishMsg(subject string, headers map[string]string, data []byte) error {
	if !c.nc.IsConnected() {
		return ErrNotConnected
	}
	if len(headers) == 0 || !c.nc.HeadersSupported() {
		return c.nc.Publish(subject, data)
	}
	m := nats.NewMsg(subject)
	m.Data = data
	size := len("NATS/1.0\r\n\r\n")
	for k, v := range headers {
		m.Header.Set(k, v)
		size += len(k) + len(": ") + len(v) + len("\r\n")
	}
	if max := c.nc.MaxPayload(); max > 0 && int64(len(data)+size) > max {
		return c.nc.Publish(subject, data)
	}
	return c.nc.PublishMsg(m)
}

// Flush waits until the server has seen everything published so far.
func (c *Conn) Flush(ctx context.Context) error { return c.nc.FlushWithContext(ctx) }

// Subscribe calls fn for each message on subject, one at a time.
func (c *Conn) Subscribe(subject string, fn func(data []byte)) (*nats.Subscription, error) {
	return c.nc.Subscribe(subject, func(m *nats.Msg) { fn(m.Data) })
}

// SubscribeHeader is Subscribe that also hands over the value of one
// message header ("" when absent).
func (c *Conn) SubscribeHeader(subject, header string, fn func(data []byte, value string)) (*nats.Subscription, error) {
	return c.nc.Subscribe(subject, func(m *nats.Msg) {
		v := ""
		if m.Header != nil {
			v = m.Header.Get(header)
		}
		fn(m.Data, v)
	})
}

// Close drains the connection, waiting at most timeout.
func (c *Conn) Close(timeout time.Duration) {
	c.closing.Store(true)
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

// Permanent reports a publish error that no retry can fix (a subject or a
// payload the server refuses); anything else is transient.
func Permanent(err error) bool {
	return errors.Is(err, nats.ErrBadSubject) || errors.Is(err, nats.ErrMaxPayload) ||
		errors.Is(err, nats.ErrHeadersNotSupported)
}
