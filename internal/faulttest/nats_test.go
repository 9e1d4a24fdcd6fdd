package faulttest

import (
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/sieproject/sie/internal/testkit"
)

// natsHarness is an embedded NATS server on a loopback port that survives
// restarts: Stop simulates an outage, Start brings a fresh server up on the
// same port, so every client reconnects to the URL it already has.
type natsHarness struct {
	t          testing.TB
	port       int
	maxPayload int32
	users      []*natsserver.User // nil: no auth

	mu  sync.Mutex
	srv *natsserver.Server
}

// startNATS starts a server on a free port; maxPayload 0 keeps the default
// (1 MiB). The server is shut down in t.Cleanup.
func startNATS(t testing.TB, maxPayload int32) *natsHarness {
	t.Helper()
	return startNATSUsers(t, maxPayload, nil)
}

// startNATSUsers is startNATS with authorization: only users may log in.
func startNATSUsers(t testing.TB, maxPayload int32, users []*natsserver.User) *natsHarness {
	t.Helper()
	n := &natsHarness{t: t, port: testkit.FreePort(t), maxPayload: maxPayload, users: users}
	n.Start()
	t.Cleanup(n.Stop)
	return n
}

// URL is the client URL, stable across restarts.
func (n *natsHarness) URL() string { return "nats://127.0.0.1:" + strconv.Itoa(n.port) }

// Start starts the server (again) on its port. Rebinding right after a
// shutdown can briefly fail; it is retried until a deadline.
func (n *natsHarness) Start() {
	n.t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.srv != nil {
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for attempt := 0; ; attempt++ {
		srv, err := natsserver.NewServer(&natsserver.Options{
			Host: "127.0.0.1", Port: n.port, NoLog: true, NoSigs: true, MaxPayload: n.maxPayload, Users: n.users,
		})
		if err != nil {
			n.t.Fatalf("nats: %v", err)
		}
		go srv.Start()
		if srv.ReadyForConnections(5 * time.Second) {
			n.srv = srv
			n.port = srv.Addr().(*net.TCPAddr).Port
			return
		}
		srv.Shutdown()
		if time.Now().After(deadline) {
			n.t.Fatalf("nats did not start on port %d after %d attempts", n.port, attempt+1)
		}
	}
}

// Stop shuts the server down and waits until it is gone: the outage.
func (n *natsHarness) Stop() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.srv == nil {
		return
	}
	n.srv.Shutdown()
	n.srv.WaitForShutdown()
	n.srv = nil
}

// Subscriptions is the server's subscription count (0 while stopped).
func (n *natsHarness) Subscriptions() uint32 {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.srv == nil {
		return 0
	}
	return n.srv.NumSubscriptions()
}
