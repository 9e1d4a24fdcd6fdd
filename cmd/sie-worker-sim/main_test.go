package main

import (
	"io"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := parseConfig([]string{"--bundle", "default", "--models-dir", "/m/models"}, env(map[string]string{"HOSTNAME": "pod-1", "SIE_NATS_URL": "nats://n:4222"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Count != 1 || cfg.Port != 8080 || cfg.Host != "127.0.0.1" || cfg.GPUCount != 1 || cfg.MachineProfile != "l4" {
		t.Errorf("defaults: %+v", cfg)
	}
	if cfg.NamePrefix != "pod-1" || cfg.NATSURL != "nats://n:4222" || cfg.BundlesDir != "/m/bundles" {
		t.Errorf("env defaults: prefix %q nats %q bundles %q", cfg.NamePrefix, cfg.NATSURL, cfg.BundlesDir)
	}
	if cfg.HealthMode != "ws" || cfg.HeartbeatInterval != 5*time.Second {
		t.Errorf("health defaults: mode %q interval %s", cfg.HealthMode, cfg.HeartbeatInterval)
	}
	cfg, err = parseConfig([]string{"--bundle", "b", "--models-dir", "m", "--health-mode", "nats", "--heartbeat-interval", "1s"}, env(map[string]string{"SIE_NATS_URL": "nats://n:4222"}), io.Discard)
	if err != nil || cfg.HealthMode != "nats" || cfg.HeartbeatInterval != time.Second {
		t.Errorf("health flags: %+v %v", cfg, err)
	}
	cfg, err = parseConfig([]string{"--bundle", "b", "--models-dir", "m", "--apply-lag", "150ms", "--drop-deltas", "2", "--not-ready", "--bundles-dir", "/x"}, env(map[string]string{"SIE_BUNDLES_DIR": "/env"}), io.Discard)
	if err != nil || cfg.ApplyLag != 150*time.Millisecond || cfg.DropDeltas != 2 || !cfg.NotReady || cfg.BundlesDir != "/x" || cfg.NamePrefix != "sim" {
		t.Errorf("flags: %+v %v", cfg, err)
	}
}

func TestInvalidFlagsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"--models-dir", "m"}, // no bundle
		{"--bundle", "b"},     // no models dir
		{"--bundle", "b", "--models-dir", "m", "--count", "0"}, // bad count
		{"--bundle", "b", "--models-dir", "m", "--port", "-1"}, // bad port
		{"--bundle", "b", "--models-dir", "m", "--bogus"},      // unknown flag
		{"--bundle", "b", "--models-dir", "m", "extra"},        // positional
		{"--bundle", "b", "--models-dir", "m", "--drop-fraction", "2"},
		{"--bundle", "b", "--models-dir", "m", "--health-mode", "grpc", "--nats-url", "nats://n:4222"},
		{"--bundle", "b", "--models-dir", "m", "--health-mode", "nats"}, // heartbeats need NATS
		{"--bundle", "b", "--models-dir", "m", "--health-mode", "both", "--nats-url", "nats://n:4222", "--heartbeat-interval", "-1s"},
	} {
		if code := run(args, env(nil), io.Discard); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code := run([]string{"--bundle", "b", "--models-dir", "m"}, env(map[string]string{"SIE_NATS_USER": "w"}), io.Discard); code != 2 {
		t.Errorf("SIE_NATS_USER without SIE_NATS_PASSWORD: exit %d, want 2", code)
	}
	cfg, err := parseConfig([]string{"--bundle", "b", "--models-dir", "m"}, env(map[string]string{"SIE_NATS_USER": "w", "SIE_NATS_PASSWORD": "p"}), io.Discard)
	if err != nil || cfg.NATSCredentials.User != "w" || cfg.NATSCredentials.Password != "p" {
		t.Errorf("credentials: %+v %v", cfg.NATSCredentials, err)
	}
	if code := run([]string{"--bundle", "b", "--models-dir", "m"}, env(map[string]string{"SIE_LOG_LEVEL": "loud"}), io.Discard); code != 2 {
		t.Errorf("bad SIE_LOG_LEVEL: exit %d, want 2", code)
	}
}

func TestStartFailureExit1(t *testing.T) {
	if code := run([]string{"--bundle", "b", "--models-dir", t.TempDir() + "/missing", "--port", "0"}, env(nil), io.Discard); code != 1 {
		t.Errorf("missing models dir: exit %d, want 1", code)
	}
}

// Catch-up flags (extensions E3): env defaults, the token fallback, and no
// catch-up without a URL.
func TestCatchUpFlags(t *testing.T) {
	base := []string{"--bundle", "default", "--models-dir", "/m/models"}
	cfg, err := parseConfig(base, env(nil), io.Discard)
	if err != nil || cfg.ConfigURL != "" || cfg.ConfigPoll != 30*time.Second || cfg.ConfigFullSync != 300*time.Second {
		t.Fatalf("defaults: url %q poll %s full %s %v", cfg.ConfigURL, cfg.ConfigPoll, cfg.ConfigFullSync, err)
	}
	cfg, _ = parseConfig(base, env(map[string]string{"SIE_CONFIG_SERVICE_URL": "http://c:8080", "SIE_ADMIN_TOKEN": "adm"}), io.Discard)
	if cfg.ConfigURL != "http://c:8080" || cfg.ConfigToken != "adm" {
		t.Errorf("env: url %q token %q", cfg.ConfigURL, cfg.ConfigToken)
	}
	cfg, _ = parseConfig(base, env(map[string]string{"SIE_CONFIG_SERVICE_TOKEN": "rd", "SIE_ADMIN_TOKEN": "adm"}), io.Discard)
	if cfg.ConfigToken != "rd" {
		t.Errorf("SIE_CONFIG_SERVICE_TOKEN must win over SIE_ADMIN_TOKEN, got %q", cfg.ConfigToken)
	}
	cfg, err = parseConfig(append(base, "--config-url", "http://x", "--config-token", "t", "--config-poll", "2s", "--config-full-sync", "1m"),
		env(map[string]string{"SIE_CONFIG_SERVICE_URL": "http://env", "SIE_CONFIG_SERVICE_TOKEN": "rd"}), io.Discard)
	if err != nil || cfg.ConfigURL != "http://x" || cfg.ConfigToken != "t" || cfg.ConfigPoll != 2*time.Second || cfg.ConfigFullSync != time.Minute {
		t.Errorf("flags: %+v %v", cfg, err)
	}
	if code := run(append(base, "--config-url", "http://x", "--config-poll", "0s"), env(nil), io.Discard); code != 2 {
		t.Errorf("--config-poll 0: exit %d, want 2", code)
	}
}
