package bus

import "github.com/nats-io/nats.go"

// SubscribeSubject is Subscribe for a wildcard subject: fn also gets the
// subject each message was published on (a worker heartbeat's id is its
// subject's last token).
func (c *Conn) SubscribeSubject(subject string, fn func(subject string, data []byte)) (*nats.Subscription, error) {
	return c.nc.Subscribe(subject, func(m *nats.Msg) { fn(m.Subject, m.Data) })
}
