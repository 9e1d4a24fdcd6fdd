package bus

import (
	"context"
	"time"

	"github.com/nats-io/nats.go"
)

// SenderHeader names the client that sent a request, so a client that
// also answers the subject can skip its own requests.
const SenderHeader = "Sie-Sender"

// Request is one request received on a subject: its payload, who sent it
// ("" when unnamed), and how to answer it (once).
type Request struct {
	Data   []byte
	Sender string
	msg    *nats.Msg
}

// Respond sends the answer to the requester's inbox.
func (r Request) Respond(data []byte) error { return r.msg.Respond(data) }

// ServeRequests calls fn for each request on subject, one at a time (fn may
// answer later from another goroutine).
func (c *Conn) ServeRequests(subject string, fn func(Request)) (*nats.Subscription, error) {
	return c.nc.Subscribe(subject, func(m *nats.Msg) {
		sender := ""
		if m.Header != nil {
			sender = m.Header.Get(SenderHeader)
		}
		fn(Request{Data: m.Data, Sender: sender, msg: m})
	})
}

// Gather publishes one request on subject with a fresh reply inbox, as
// sender, and hands every answer to each until each returns false (enough
// answers), the deadline passes or ctx ends. Any number of clients may
// answer: it is the client library's request-many pattern.
func (c *Conn) Gather(ctx context.Context, subject, sender string, data []byte, deadline time.Time, each func([]byte) bool) error {
	if !c.nc.IsConnected() {
		return ErrNotConnected
	}
	inbox := c.nc.NewRespInbox()
	answers := make(chan *nats.Msg, 64)
	sub, err := c.nc.ChanSubscribe(inbox, answers)
	if err != nil {
		return err
	}
	defer func() { _ = sub.Unsubscribe() }()
	m := nats.NewMsg(subject)
	m.Reply = inbox
	m.Data = data
	if sender != "" && c.nc.HeadersSupported() {
		m.Header.Set(SenderHeader, sender)
	}
	if err := c.nc.PublishMsg(m); err != nil {
		return err
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		select {
		case a := <-answers:
			if !each(a.Data) {
				return nil
			}
		case <-timer.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
