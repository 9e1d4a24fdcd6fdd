package gatewayserver

import (
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/gateway"
)

func envOf(kv map[string]string) Getenv {
	return func(k string) (string, bool) { v, ok := kv[k]; return v, ok }
}

func load(t *testing.T, kv map[string]string) Config {
	t.Helper()
	cfg, err := FromEnv(envOf(kv))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// config.rs #1–#3: booleans are true iff true, 1 or yes.
func TestEnvBool(t *testing.T) {
	for v, want := range map[string]bool{"true": true, "TRUE": true, "1": true, "yes": true, "Yes": true,
		"false": false, "0": false, "no": false, "on": false, "y": false, "": false} {
		e := &envReader{get: envOf(map[string]string{"X": v})}
		if e.boolean("X") != want {
			t.Errorf("%q → %v", v, !want)
		}
	}
	if (&envReader{get: envOf(nil)}).boolean("X") {
		t.Error("missing → false")
	}
}

// config.rs #4–#16: numbers fall back with a warning; CSV trims and drops empties.
func TestEnvNumbersAndCSV(t *testing.T) {
	cfg := load(t, map[string]string{
		"SIE_GATEWAY_CONFIG_POLL_INTERVAL_S": "0.25", "SIE_GATEWAY_HEARTBEAT_TIMEOUT_S": "abc",
		"SIE_GATEWAY_WS_CONNECT_TIMEOUT_S": "-1", "SIE_GATEWAY_WS_RECONNECT_DELAY_S": "", "SIE_GATEWAY_PORT": "x",
	})
	if cfg.PollInterval != 250*time.Millisecond || cfg.HeartbeatTimeout != 15*time.Second || cfg.WSConnectTimeout != 5*time.Second ||
		cfg.WSReconnectDelay != 5*time.Second || cfg.Port != 8080 || len(cfg.Warnings) != 3 {
		t.Fatalf("%+v %v", cfg, cfg.Warnings)
	}
	if got := splitCSV(" a, ,b,,c "); !slices.Equal(got, []string{"a", "b", "c"}) || splitCSV("") != nil {
		t.Fatalf("csv %v", got)
	}
	def := load(t, nil)
	if def.Host != "0.0.0.0" || def.Port != 8080 || def.PollInterval != 30*time.Second || def.AuthMode != "none" ||
		def.ConfigURL != "" || def.NATSURL != "" || def.Workers != nil || def.LogLevel != slog.LevelInfo {
		t.Fatalf("defaults %+v", def)
	}
}

// config.rs #17–#19, #22, #23, #32.
func TestEnvConfigService(t *testing.T) {
	if load(t, map[string]string{"SIE_CONFIG_SERVICE_URL": ""}).ConfigURL != "" {
		t.Error("empty → none")
	}
	cfg := load(t, map[string]string{"SIE_CONFIG_SERVICE_URL": "http://cfg:8080/prefix/", "SIE_ADMIN_TOKEN": " adm ",
		"SIE_CONFIG_STORE_DIR": "/data", "SIE_CONFIG_RESTORE": "true"})
	if cfg.ConfigURL != "http://cfg:8080/prefix" || cfg.OutboundToken != " adm " || cfg.Auth.AdminToken != " adm " {
		t.Fatalf("%+v", cfg)
	}
	if load(t, nil).OutboundToken != "" {
		t.Error("no admin token → no outbound header")
	}
	if got := load(t, map[string]string{"SIE_ADMIN_TOKEN": "a", "SIE_CONFIG_SERVICE_TOKEN": "read"}).OutboundToken; got != "read" {
		t.Errorf("service token overrides: %q", got)
	}
	cfg = load(t, map[string]string{"SIE_GATEWAY_WORKERS": "http://a:8080, http://b:8080", "SIE_GATEWAY_HOST": "127.0.0.1", "SIE_GATEWAY_PORT": "9"})
	if !slices.Equal(cfg.Workers, []string{"http://a:8080", "http://b:8080"}) || cfg.Host != "127.0.0.1" || cfg.Port != 9 {
		t.Fatalf("%+v", cfg)
	}
}

// D3m, D3n: auth mode, tokens and trusted producers.
func TestEnvAuthAndTrust(t *testing.T) {
	for _, bad := range []string{"Token", "disabled", "staitc", " token"} {
		_, err := FromEnv(envOf(map[string]string{"SIE_AUTH_MODE": bad}))
		var am *ErrAuthMode
		if !errors.As(err, &am) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	for _, ok := range []string{"", "none", "token", "static"} {
		cfg := load(t, map[string]string{"SIE_AUTH_MODE": ok})
		if cfg.Auth.Enabled != (ok == "token" || ok == "static") {
			t.Errorf("%q enabled=%v", ok, cfg.Auth.Enabled)
		}
	}
	cfg := load(t, map[string]string{"SIE_AUTH_TOKENS": "a, b", "SIE_AUTH_TOKEN": "c"})
	if !slices.Equal(cfg.Auth.UserTokens, []string{"a", "b"}) {
		t.Fatalf("plural wins: %v", cfg.Auth.UserTokens)
	}
	if got := load(t, map[string]string{"SIE_AUTH_TOKENS": "", "SIE_AUTH_TOKEN": "c,d"}).Auth.UserTokens; !slices.Equal(got, []string{"c", "d"}) {
		t.Fatalf("singular: %v", got)
	}
	if got := load(t, nil).Trusted; !slices.Equal(got, gateway.Trust{"sie-config"}) {
		t.Fatalf("default trust %v", got)
	}
	if got := load(t, map[string]string{"SIE_NATS_CONFIG_TRUSTED_PRODUCERS": "rel-config, x"}).Trusted; !slices.Equal(got, gateway.Trust{"rel-config", "x"}) {
		t.Fatalf("trust list %v", got)
	}
	if got := load(t, map[string]string{"SIE_NATS_CONFIG_TRUSTED_PRODUCERS": "a", "SIE_NATS_CONFIG_TRUST_ANY_PRODUCER": "yes"}).Trusted; len(got) != 0 {
		t.Fatalf("trust any %v", got)
	}
	if _, err := FromEnv(envOf(map[string]string{"SIE_LOG_LEVEL": "loud"})); err == nil {
		t.Error("bad log level")
	}
	if got := load(t, map[string]string{"SIE_GATEWAY_ENABLE_POOLS": "true", "SIE_PAYLOAD_STORE_URL": "s3://x"}).IgnoredEnv; len(got) != 2 {
		t.Errorf("ignored env %v", got)
	}
}

// config.rs #24–#31: the startup audit of the auth settings.
func TestAuthFindings(t *testing.T) {
	find := func(kv map[string]string) []Finding { c := load(t, kv); return c.AuthFindings() }
	levels := func(fs []Finding) string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Level.String())
		}
		return strings.Join(out, ",")
	}
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"SIE_AUTH_TOKEN": "t"}, "ERROR"},
		{map[string]string{"SIE_AUTH_MODE": "token", "SIE_AUTH_TOKEN": "t", "SIE_ADMIN_TOKEN": "a"}, ""},
		{map[string]string{"SIE_AUTH_MODE": "static", "SIE_AUTH_TOKEN": "t", "SIE_ADMIN_TOKEN": "a"}, ""},
		{map[string]string{"SIE_AUTH_MODE": "token", "SIE_ADMIN_TOKEN": "a"}, "ERROR"},
		{map[string]string{"SIE_AUTH_MODE": "token", "SIE_AUTH_TOKEN": "t"}, "WARN"},
		{map[string]string{"SIE_AUTH_EXEMPT_OPERATIONAL": "true"}, "WARN"},
		{map[string]string{"SIE_ADMIN_TOKEN": "a"}, ""}, // also the outbound bearer
		{nil, ""},
	}
	for _, c := range cases {
		if got := levels(find(c.env)); got != c.want {
			t.Errorf("%v: %q, want %q", c.env, got, c.want)
		}
	}
}

func TestFromEnvNATSCredentials(t *testing.T) {
	if _, err := FromEnv(envOf(map[string]string{"SIE_NATS_PASSWORD": "pw"})); err == nil {
		t.Fatal("a password without a user was accepted")
	}
	cfg, err := FromEnv(envOf(map[string]string{"SIE_NATS_USER": "sie-gateway", "SIE_NATS_PASSWORD": "pw", "SIE_NATS_TLS_CA": "/ca.pem"}))
	if err != nil || cfg.NATSCredentials.User != "sie-gateway" || cfg.NATSCredentials.TLSCA != "/ca.pem" {
		t.Fatalf("%+v %v", cfg.NATSCredentials, err)
	}
}
