package workersim

import (
	"net"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// TestReconnectClearsEpochGuard: after a NATS reconnect a worker accepts an
// epoch it has already seen (worker-protocol.md §2.1).
func TestReconnectClearsEpochGuard(t *testing.T) {
	opts := &natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true}
	s1, err := natsserver.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go s1.Start()
	if !s1.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats not ready")
	}
	url := s1.ClientURL()

	cfg := testConfig(writeDirs(t, map[string]string{"seed.yaml": seedModel}), url)
	cfg.NATSRetryInterval = 20 * time.Millisecond
	f := startFleet(t, cfg)
	w := f.Workers()[0]

	publish(t, url, payload("api/added", 3, apiModel))
	eventually(t, "epoch 3", func() bool { return w.Hash() == expectedHash(t, seedModel, apiModel) })

	// Restart the server on the same port; the worker reconnects and
	// re-subscribes.
	boundPort := s1.Addr().(*net.TCPAddr).Port
	s1.Shutdown()
	s1.WaitForShutdown()
	s2, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: boundPort, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go s2.Start()
	t.Cleanup(s2.Shutdown)
	if !s2.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats not ready after restart")
	}
	eventually(t, "re-subscription", func() bool { return s2.NumSubscriptions() >= 1 })
	// The reconnect callback runs asynchronously; wait for the cleared guard.
	eventually(t, "the guard reset", func() bool {
		return len(getState(t, f.Addrs()[0])["model_epochs"].(map[string]any)) == 0
	})

	// A different document for api/added at the already-seen epoch.
	v2 := strings.Replace(apiModel, "max_batch_tokens: 4096", "max_batch_tokens: 64", 1)
	publish(t, url, payload("api/added", 3, v2))
	eventually(t, "the same epoch to apply after reconnect", func() bool { return w.Hash() == expectedHash(t, seedModel, v2) })
}
