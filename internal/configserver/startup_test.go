package configserver_test

// Startup (sie-config.md §1.3): an absent registry keeps the process up
// with registry-backed endpoints at 503 while /epoch still answers.

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestRegistryAbsentAtStartup(t *testing.T) {
	for _, broken := range []string{"bundles", "models"} {
		l := newLayout(t, nil, map[string]string{"test__model.yaml": seedYAML})
		// A path that exists but cannot be listed as a directory.
		dir := map[string]string{"bundles": l.bundles, "models": l.models}[broken]
		check(t, os.RemoveAll(dir))
		check(t, os.WriteFile(dir, []byte("not a directory"), 0o644))
		writeFiles(t, l.store, map[string]string{"epoch": "3"})
		cfg := l.config()
		cfg.StoreURL, cfg.Restore = l.store, true
		in := boot(t, cfg)
		want(t, in.get("/healthz"), 200, `{"status":"ok"}`)
		want(t, in.get("/readyz"), 503, `{"detail":"Model registry not loaded"}`)
		want(t, in.get("/v1/configs/epoch"), 200, `{"epoch":3,"bundles_hash":""}`)
		registry := `{"detail":{"error":"registry_unavailable","message":"ModelRegistry failed to initialize (e.g. bad bundle/model YAML). See /readyz and config service logs; fix the on-disk state and restart."}}`
		want(t, in.get("/v1/configs/models"), 503, registry)
		want(t, in.get("/v1/configs/export"), 503, registry)
		want(t, in.postModel(neYAML), 503, registry)
		if _, ok := in.metric("sie_config_models_total", "source", "filesystem"); ok {
			t.Errorf("%s: models gauge set without a registry", broken)
		}
		if fileText(t, filepath.Join(l.store, "epoch")) != "3" {
			t.Fatal("epoch file changed")
		}
	}
}

// A second Shutdown (a signal racing a test's cleanup, say) returns the
// first one's result instead of waiting forever for a server that is gone.
func TestShutdownTwice(t *testing.T) {
	l := newLayout(t, nil, nil)
	srv, err := startRaw(l.config())
	check(t, err)
	check(t, srv.Shutdown(context.Background()))
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(context.Background()) }()
	select {
	case err := <-done:
		check(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the second Shutdown did not return")
	}
}
