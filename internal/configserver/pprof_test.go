package configserver_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/configserver"
	"github.com/sieproject/sie/internal/testkit"
)

// SIE_PPROF_ADDR serves the Go profiles on a listener of its own; it is off
// by default and the API port never serves them.
func TestPprofListener(t *testing.T) {
	if cfg := fromEnv(t, map[string]string{}); cfg.PprofAddr != "" {
		t.Fatalf("pprof on by default: %q", cfg.PprofAddr)
	}
	pprofAddr := "127.0.0.1:" + strconv.Itoa(testkit.FreePort(t))
	cfg := fromEnv(t, map[string]string{"SIE_PPROF_ADDR": pprofAddr})
	if cfg.PprofAddr != pprofAddr {
		t.Fatalf("PprofAddr %q", cfg.PprofAddr)
	}
	dir := t.TempDir()
	apiPort := testkit.FreePort(t)
	cfg.Host, cfg.Port = "127.0.0.1", apiPort
	cfg.BundlesDir, cfg.ModelsDir = filepath.Join(dir, "bundles"), filepath.Join(dir, "models")
	cfg.LogOutput = io.Discard
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- configserver.Run(ctx, cfg) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	status := func(url string) int {
		resp, err := http.Get(url)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	testkit.Eventually(t, 10*time.Second, "the pprof listener", func() bool {
		return status("http://"+pprofAddr+"/debug/pprof/cmdline") == http.StatusOK
	})
	if code := status("http://127.0.0.1:" + strconv.Itoa(apiPort) + "/debug/pprof/cmdline"); code == http.StatusOK {
		t.Fatal("the API port serves the profiles")
	}
}
