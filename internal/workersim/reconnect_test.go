package workersim

import (
	"context"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/sieproject/sie/internal/testkit"
)

// TestReconnectClearsEpochGuard: after a NATS reconnect a worker accepts an
// epoch it has already seen (worker-protocol.md §2.1).
func TestReconnectClearsEpochGuard(t *testing.T) {
	s1 := testkit.NATS(t)
	url := s1.ClientURL()

	cfg := testConfig(writeDirs(t, map[string]string{"seed.yaml": seedModel}), url)
	cfg.NATSRetryInterval = 20 * time.Millisecond
	f := startFleet(t, cfg)
	w := f.Workers()[0]

	publish(t, url, payload("api/added", 3, apiModel))
	testkit.Eventually(t, 10*time.Second, "epoch 3", func() bool { return w.Hash() == expectedHash(t, seedModel, apiModel) })

	// Restart the server on the same port; the worker reconnects and
	// re-subscribes.
	boundPort := testkit.NATSPort(s1)
	s1.Shutdown()
	s1.WaitForShutdown()
	s2 := testkit.NATS(t, func(o *natsserver.Options) { o.Port = boundPort })
	testkit.Eventually(t, 10*time.Second, "re-subscription", func() bool { return s2.NumSubscriptions() >= 1 })
	// The reconnect callback runs asynchronously; wait for the cleared guard.
	testkit.Eventually(t, 10*time.Second, "the guard reset", func() bool {
		return len(getState(t, f.Addrs()[0])["model_epochs"].(map[string]any)) == 0
	})

	// The guard resets once the SUBs are written, not once the server has
	// processed them; a flush round trip orders them before our publish.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.WaitSubscribed(ctx); err != nil {
		t.Fatal(err)
	}

	// A different document for api/added at the already-seen epoch.
	v2 := strings.Replace(apiModel, "max_batch_tokens: 4096", "max_batch_tokens: 64", 1)
	publish(t, url, payload("api/added", 3, v2))
	testkit.Eventually(t, 10*time.Second, "the same epoch to apply after reconnect", func() bool { return w.Hash() == expectedHash(t, seedModel, v2) })
}
