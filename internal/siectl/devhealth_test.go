package siectl

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

// `siectl dev --health-mode nats` runs gateways without any worker list:
// they discover every simulated worker by its NATS heartbeats, and a write
// is acked by them on every gateway.
func TestDevHealthModeNATS(t *testing.T) {
	d := &devOptions{dataDir: t.TempDir(), gateways: 2, natsPort: -1, workersPerBundle: 1, logLevel: "error", healthMode: "nats"}
	cl, err := startDev(context.Background(), d, &options{env: func(string) string { return "" }})
	must(t, err)
	defer cl.stop()
	workers := 0
	for _, f := range cl.fleets {
		workers += len(f.Workers())
	}
	for _, g := range cl.gateways {
		testkit.Eventually(t, 20*time.Second, "workers discovered", func() bool { return g.Registry().HealthyCount() == workers })
		for _, info := range g.Registry().Workers() {
			if !strings.HasPrefix(info.URL, "sie.health.") {
				t.Fatalf("a worker known by URL %s, not by its heartbeat", info.URL)
			}
		}
	}
	var banner bytes.Buffer
	cl.printBanner(&banner)
	mustContain(t, banner.String(), "discovered by their NATS heartbeats")
	env := devEnv(cl)
	mustRun(t, env, 0, "apply", "-f", cl.exampleFile)
	for _, g := range cl.gateways {
		testkit.Eventually(t, 20*time.Second, "acked on "+g.URL(), func() (bool, string) {
			body := httpGet(t, g.URL()+"/v1/configs/models/"+cl.exampleModel+"/status")
			return strings.Contains(body, `"state":"ready"`), body
		})
	}
}

func TestDevHealthModeInvalid(t *testing.T) {
	code, out := run(t, nil, "dev", "--health-mode", "websocket")
	if code != 2 || !strings.Contains(out, "--health-mode must be ws, nats or both") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}
