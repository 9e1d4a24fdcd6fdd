package faulttest

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/configserver"
	"github.com/sieproject/sie/internal/workersim"
)

// inprocConfig is sie-config run in the test process.
type inprocConfig struct {
	*configserver.Server
	logPath string
	stop    sync.Once
}

// Logs returns what it logged.
func (c *inprocConfig) Logs() string {
	data, _ := os.ReadFile(c.logPath)
	return string(data)
}

// startConfigInProc runs sie-config in the test process (under -race when
// the suite is), for tests that do not need to kill it.
func startConfigInProc(t testing.TB, o configOptions) *inprocConfig {
	t.Helper()
	return startConfigInProcOn(t, o, 0)
}

// startConfigInProcOn is startConfigInProc on a given port (0: any), so a
// restart keeps the URL.
func startConfigInProcOn(t testing.TB, o configOptions, port int) *inprocConfig {
	t.Helper()
	logf, err := os.CreateTemp(t.TempDir(), "sie-config-*.log")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	pod := o.PodName
	if pod == "" {
		pod = "sie-config-0"
	}
	level := slog.LevelWarn
	if o.LogLevel != nil {
		level = *o.LogLevel
	}
	srv, err := configserver.Start(context.Background(), configserver.Config{
		Host:            "127.0.0.1",
		Port:            port,
		BundlesDir:      filepath.Join(o.CatalogDir, "bundles"),
		ModelsDir:       filepath.Join(o.CatalogDir, "models"),
		StoreURL:        o.StoreDir,
		Restore:         o.Restore,
		NATSURL:         o.NATSURL,
		RouterID:        pod,
		LogLevel:        level,
		LogOutput:       logf,
		NATSCredentials: o.Creds,
		HTTPLimits:      o.Limits,
	})
	if err != nil {
		t.Fatal(err)
	}
	c := &inprocConfig{Server: srv, logPath: logf.Name()}
	t.Cleanup(func() { stopConfigInProc(t, c) })
	return c
}

// stopConfigInProc shuts it down (once).
func stopConfigInProc(t testing.TB, c *inprocConfig) {
	c.stop.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := c.Shutdown(ctx); err != nil {
			t.Logf("sie-config shutdown: %v", err)
		}
	})
}

// startWorkers runs simulated workers of bundle on the catalog.
func startWorkers(t testing.TB, catalogDir, bundle, natsURL string, count int) *workersim.Fleet {
	t.Helper()
	return startFleet(t, catalogDir, bundle, natsURL, count, nil)
}

// startFleet runs count simulated workers of bundle on the catalog, tweak
// adjusting their config, and waits for their NATS subscriptions.
func startFleet(t testing.TB, catalogDir, bundle, natsURL string, count int, tweak func(*workersim.Config)) *workersim.Fleet {
	t.Helper()
	cfg := workersim.DefaultConfig()
	cfg.Bundle, cfg.Count, cfg.Port = bundle, count, 0
	cfg.ModelsDir = filepath.Join(catalogDir, "models")
	cfg.BundlesDir = filepath.Join(catalogDir, "bundles")
	cfg.NATSURL = natsURL
	if tweak != nil {
		tweak(&cfg)
	}
	log := slog.New(slog.NewTextHandler(discard{}, nil))
	ctx, cancel := context.WithCancel(context.Background())
	f, err := workersim.Start(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		f.Shutdown(sctx)
		cancel()
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	if err := f.WaitSubscribed(wctx); err != nil {
		t.Fatalf("workers not subscribed: %v", err)
	}
	return f
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
