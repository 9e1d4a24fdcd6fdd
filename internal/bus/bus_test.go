package bus_test

// Upstream #160–#165 and #171–#173 (tests/test_nats_publisher.py) against
// a real embedded nats-server.

import (
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/testkit"
)

// TestConnectInBackground covers #160, #161, #163, #164, #171 and #173:
// an unreachable server is not an error, Publish fails while down, the
// connection comes up when the server does, follows it down and up again,
// and closing a never-connected connection is clean.
func TestConnectInBackground(t *testing.T) {
	port := testkit.FreePort(t)
	url := "nats://127.0.0.1:" + strconv.Itoa(port)
	var up atomic.Bool
	var changes atomic.Int32
	c, err := bus.Connect(url, bus.Options{Name: "test", RetryInterval: 50 * time.Millisecond,
		OnStateChange: func(connected bool) { up.Store(connected); changes.Add(1) }}, testkit.Discard())
	if err != nil { // #160
		t.Fatal(err)
	}
	if c.Connected() || up.Load() { // #161
		t.Fatal("connected to nothing")
	}
	if err := c.Publish("x", []byte("y")); !errors.Is(err, bus.ErrNotConnected) { // #164
		t.Fatalf("publish while down: %v", err)
	}
	ns := testkit.NATS(t, func(o *natsserver.Options) { o.Port = port })
	testkit.Eventually(t, 10*time.Second, "the connection", func() bool { return c.Connected() && up.Load() })
	if c.MaxPayload() <= 0 {
		t.Fatal("max_payload unknown after connecting")
	}
	ns.Shutdown() // #171
	testkit.Eventually(t, 10*time.Second, "the disconnect", func() bool { return !c.Connected() && !up.Load() })
	testkit.NATS(t, func(o *natsserver.Options) { o.Port = port }) // #173
	testkit.Eventually(t, 10*time.Second, "the reconnect", func() bool { return c.Connected() && up.Load() })
	c.Close(time.Second)
	if up.Load() {
		t.Fatal("closed connection still reported up")
	}

	never, err := bus.Connect("nats://127.0.0.1:"+strconv.Itoa(testkit.FreePort(t)), bus.Options{}, testkit.Discard())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	never.Close(time.Second) // #163
	if time.Since(start) > 2*time.Second {
		t.Fatal("closing a never-connected connection hangs")
	}
}

// TestPublishSubjects covers #165 at the transport: SubjectForBundle and
// SubjectAll reach subscribers byte for byte, in order.
func TestPublishSubjects(t *testing.T) {
	ns := testkit.NATS(t)
	c, err := bus.Connect(ns.ClientURL(), bus.Options{}, testkit.Discard())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(time.Second)
	testkit.Eventually(t, 10*time.Second, "the connection", c.Connected)
	sub, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	got := make(chan *nats.Msg, 10)
	if _, err := sub.ChanSubscribe("sie.config.models.>", got); err != nil {
		t.Fatal(err)
	}
	if err := sub.Flush(); err != nil {
		t.Fatal(err)
	}
	if bus.SubjectForBundle("default") != "sie.config.models.default" || bus.SubjectAll != "sie.config.models._all" {
		t.Fatal("subject names")
	}
	for _, s := range []string{bus.SubjectForBundle("default"), bus.SubjectAll} {
		if err := c.Publish(s, []byte(`{"a":"é"}`)); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"sie.config.models.default", "sie.config.models._all"} {
		select {
		case m := <-got:
			if m.Subject != want || string(m.Data) != `{"a":"é"}` {
				t.Fatalf("got %s %s", m.Subject, m.Data)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no message")
		}
	}
}
