package faulttest

import (
	"log/slog"
	"os"
	"testing"

	"github.com/sieproject/sie/internal/configserver"
	"github.com/sieproject/sie/internal/testkit/testcluster"
	"github.com/sieproject/sie/internal/workersim"
)

// inprocConfig is sie-config run in the test process.
type inprocConfig struct {
	*configserver.Server
	logPath string
	stop    func()
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
	cl := testcluster.New(t, testcluster.Options{
		Catalog: o.CatalogDir, StoreDir: o.StoreDir, NATSURL: o.NATSURL, NoNATS: o.NATSURL == "", NoConfig: true,
		Config: func(cfg *configserver.Config) {
			cfg.Restore, cfg.RouterID, cfg.LogLevel, cfg.LogOutput = o.Restore, pod, level, logf
			cfg.NATSCredentials, cfg.HTTPLimits = o.Creds, o.Limits
		},
	})
	return &inprocConfig{Server: cl.StartConfig(port), logPath: logf.Name(), stop: cl.StopConfig}
}

// stopConfigInProc shuts it down (once).
func stopConfigInProc(_ testing.TB, c *inprocConfig) { c.stop() }

// startWorkers runs simulated workers of bundle on the catalog.
func startWorkers(t testing.TB, catalogDir, bundle, natsURL string, count int) *workersim.Fleet {
	t.Helper()
	return startFleet(t, catalogDir, bundle, natsURL, count, nil)
}

// startFleet runs count simulated workers of bundle on the catalog, tweak
// adjusting their config, and waits for their NATS subscriptions.
func startFleet(t testing.TB, catalogDir, bundle, natsURL string, count int, tweak func(*workersim.Config)) *workersim.Fleet {
	t.Helper()
	cl := testcluster.New(t, testcluster.Options{Catalog: catalogDir, NATSURL: natsURL, NoNATS: natsURL == "", NoConfig: true})
	f, _ := cl.StartFleet(bundle, count, 0, tweak)
	return f
}
