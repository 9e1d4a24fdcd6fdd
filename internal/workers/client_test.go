package workers

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/workersim"
)

const simBundle = "name: default\npriority: 10\nadapters: [sie_server.adapters.bert_flash]\n"
const simModel = "sie_id: sim/model\nhf_id: sim/model\ntasks: {encode: {dense: {dim: 8}}}\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:A\n    max_batch_tokens: 8\n"

// startSims runs n simulated workers of bundle default (no NATS).
func startSims(t *testing.T, n int) *workersim.Fleet {
	t.Helper()
	root := t.TempDir()
	for sub, files := range map[string]map[string]string{"bundles": {"default.yaml": simBundle}, "models": {"m.yaml": simModel}} {
		_ = os.MkdirAll(filepath.Join(root, sub), 0o755)
		for name, text := range files {
			if err := os.WriteFile(filepath.Join(root, sub, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cfg := workersim.DefaultConfig()
	cfg.Bundle, cfg.Count, cfg.Port = "default", n, 0
	cfg.ModelsDir = filepath.Join(root, "models")
	cfg.StatusInterval = 50 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	f, err := workersim.Start(ctx, cfg, testkit.Discard())
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); <-f.Done() })
	return f
}

func fault(t *testing.T, url, body string) {
	t.Helper()
	resp, err := http.Post(url+"/sim/faults", "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("fault %s: %d", body, resp.StatusCode)
	}
}

func startClients(t *testing.T, reg *Registry, urls []string, cfg ClientConfig) {
	ctx, cancel := context.WithCancel(context.Background())
	c := StartClients(ctx, reg, urls, cfg)
	t.Cleanup(func() { cancel(); c.Wait() })
}

// A simulated worker's stream makes it Healthy with its reported hash;
// ready=false demotes it; a dropped socket reconnects; a frozen stream
// hits the read deadline (D3k).
func TestClientLifecycle(t *testing.T) {
	fleet := startSims(t, 2)
	urls := fleet.URLs()
	reg := NewRegistry(RegistryConfig{HeartbeatTimeout: 400 * time.Millisecond, Log: testkit.Discard()})
	startClients(t, reg, ParseStatic(urls[0]+","+urls[1]), ClientConfig{
		ConnectTimeout: time.Second, ReconnectDelay: 50 * time.Millisecond,
		ReadTimeout: 400 * time.Millisecond, CheckInterval: 50 * time.Millisecond,
	})
	testkit.Eventually(t, 5*time.Second, "both healthy", func() bool { return reg.HealthyCount() == 2 })
	el := reg.Eligible("default")
	if len(el) != 2 || el[0].Name != "sim-default-0" || el[0].Hash != fleet.Workers()[0].Hash() {
		t.Fatalf("eligible %+v", el)
	}

	fault(t, urls[0], `{"ready":false}`)
	testkit.Eventually(t, 5*time.Second, "ready=false demotes", func() bool { return health(reg, urls[0]) == Unhealthy })
	fault(t, urls[0], `{"ready":true}`)
	testkit.Eventually(t, 5*time.Second, "healthy again", func() bool { return health(reg, urls[0]) == Healthy })

	fault(t, urls[1], `{"disconnect_ws":true}`)
	testkit.Eventually(t, 5*time.Second, "reconnected", func() bool {
		w := reg.Get(urls[1])
		hb := time.Unix(0, w.lastHeartbeat.Load())
		return w.Info().Healthy() && time.Since(hb) < 100*time.Millisecond
	})

	start := time.Now()
	fault(t, urls[1], `{"freeze_status":true}`)
	testkit.Eventually(t, 5*time.Second, "read deadline", func() bool { return health(reg, urls[1]) == Unhealthy })
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("silent worker detected after %s", d)
	}
	fault(t, urls[1], `{"freeze_status":false}`)
	testkit.Eventually(t, 5*time.Second, "recovers", func() bool { return health(reg, urls[1]) == Healthy })
}

// A blackholed address (TCP accepted, no handshake) fails the dial within
// the connect timeout and is retried.
func TestClientConnectTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c // never answered
		}
	}()
	defer func() {
		for len(accepted) > 0 {
			(<-accepted).Close()
		}
	}()
	reg := NewRegistry(RegistryConfig{Log: testkit.Discard()})
	start := time.Now()
	startClients(t, reg, []string{"http://" + ln.Addr().String()}, ClientConfig{ConnectTimeout: 200 * time.Millisecond, ReconnectDelay: 50 * time.Millisecond})
	<-accepted
	<-accepted // the second dial proves the first timed out and was retried
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("second dial after %s", d)
	}
	if reg.Get("http://"+ln.Addr().String()).Info() != nil {
		t.Fatal("a worker that never answered must not be listed")
	}
}
