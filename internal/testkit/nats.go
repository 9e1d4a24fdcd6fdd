package testkit

import (
	"net"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// NATS starts an embedded nats-server on 127.0.0.1 and a random free port,
// without logs or signal handlers, and stops it when the test ends.
// configure adjusts the options first: a fixed Port (to restart a server
// where clients expect it), Users, Nkeys, MaxPayload…
func NATS(t testing.TB, configure ...func(*natsserver.Options)) *natsserver.Server {
	t.Helper()
	opts := &natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true}
	for _, c := range configure {
		c(opts)
	}
	s, err := natsserver.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		t.Fatal("nats-server not ready within 10s")
	}
	t.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return s
}

// NATSPort is the port an embedded server listens on.
func NATSPort(s *natsserver.Server) int { return s.Addr().(*net.TCPAddr).Port }
