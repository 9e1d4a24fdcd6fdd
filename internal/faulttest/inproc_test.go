package faulttest

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/configserver"
	"github.com/sieproject/sie/internal/workersim"
)

// startConfigInProc runs sie-config in the test process (under -race when
// the suite is), for tests that do not need to kill it.
func startConfigInProc(t testing.TB, o configOptions) *configserver.Server {
	t.Helper()
	logf, err := os.Create(filepath.Join(t.TempDir(), "sie-config.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	pod := o.PodName
	if pod == "" {
		pod = "sie-config-0"
	}
	srv, err := configserver.Start(context.Background(), configserver.Config{
		Host:       "127.0.0.1",
		BundlesDir: filepath.Join(o.CatalogDir, "bundles"),
		ModelsDir:  filepath.Join(o.CatalogDir, "models"),
		StoreURL:   o.StoreDir,
		Restore:    o.Restore,
		NATSURL:    o.NATSURL,
		RouterID:   pod,
		LogLevel:   slog.LevelWarn,
		LogOutput:  logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return srv
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
