package bus_test

// Upstream #160–#165 and #171–#173 (tests/test_nats_publisher.py) against
// a real embedded nats-server.

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/sieproject/sie/internal/bus"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func runServer(t *testing.T, port int) *natsserver.Server {
	t.Helper()
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: port, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(ns.Shutdown)
	return ns
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestConnectInBackground covers #160, #161, #163, #164, #171 and #173:
// an unreachable server is not an error, Publish fails while down, the
// connection comes up when the server does, follows it down and up again,
// and closing a never-connected connection is clean.
func TestConnectInBackground(t *testing.T) {
	port := freePort(t)
	url := "nats://127.0.0.1:" + strconv.Itoa(port)
	var up atomic.Bool
	var changes atomic.Int32
	c, err := bus.Connect(url, bus.Options{Name: "test", RetryInterval: 50 * time.Millisecond,
		OnStateChange: func(connected bool) { up.Store(connected); changes.Add(1) }}, quiet)
	if err != nil { // #160
		t.Fatal(err)
	}
	if c.Connected() || up.Load() { // #161
		t.Fatal("connected to nothing")
	}
	if err := c.Publish("x", []byte("y")); !errors.Is(err, bus.ErrNotConnected) { // #164
		t.Fatalf("publish while down: %v", err)
	}
	ns := runServer(t, port)
	eventually(t, "the connection", func() bool { return c.Connected() && up.Load() })
	if c.MaxPayload() <= 0 {
		t.Fatal("max_payload unknown after connecting")
	}
	ns.Shutdown() // #171
	eventually(t, "the disconnect", func() bool { return !c.Connected() && !up.Load() })
	runServer(t, port) // #173
	eventually(t, "the reconnect", func() bool { return c.Connected() && up.Load() })
	c.Close(time.Second)
	if up.Load() {
		t.Fatal("closed connection still reported up")
	}

	never, err := bus.Connect("nats://127.0.0.1:"+strconv.Itoa(freePort(t)), bus.Options{}, quiet)
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
	ns := runServer(t, -1)
	c, err := bus.Connect(ns.ClientURL(), bus.Options{}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(time.Second)
	eventually(t, "the connection", c.Connected)
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
