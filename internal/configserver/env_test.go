package configserver_test

// The environment contract (sie-config.md §1.2) as FromEnv reads it, and
// the D3m variables end to end; upstream #162 (publisher id).

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/sieproject/sie/internal/configserver"
)

func fromEnv(t *testing.T, env map[string]string) configserver.Config {
	t.Helper()
	cfg, err := configserver.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	check(t, err)
	return cfg
}

func TestFromEnvDefaultsAndStore(t *testing.T) {
	cfg := fromEnv(t, map[string]string{})
	if cfg.BundlesDir != "/app/bundles" || cfg.ModelsDir != "/app/models" || cfg.StoreURL != "" || cfg.Restore || cfg.NATSURL != "" {
		t.Fatalf("defaults: %+v", cfg)
	}
	if cfg.Auth.Admin != nil || cfg.Auth.Inference != nil || cfg.Auth.Read != nil || cfg.Auth.Production {
		t.Fatalf("auth defaults: %+v", cfg.Auth)
	}
	cases := []struct {
		env     map[string]string
		store   string
		restore bool
	}{
		{map[string]string{"SIE_CONFIG_STORE_DIR": "/data//"}, "/data", false},
		{map[string]string{"SIE_CONFIG_STORE_DIR": "s3://b/p/", "SIE_CONFIG_RESTORE": "True"}, "s3://b/p", true},
		{map[string]string{"SIE_CONFIG_STORE_DIR": "/d", "SIE_CONFIG_RESTORE": "yes"}, "/d", false},
		{map[string]string{"SIE_CONFIG_STORE_DIR": "/d", "SIE_CONFIG_RESTORE": " true"}, "/d", false},
		{map[string]string{"SIE_CONFIG_STORE_DIR": "", "SIE_CONFIG_RESTORE": "true"}, "", false}, // restore needs a store
	}
	for _, c := range cases {
		cfg := fromEnv(t, c.env)
		if cfg.StoreURL != c.store || cfg.Restore != c.restore {
			t.Errorf("%v: store %q restore %v", c.env, cfg.StoreURL, cfg.Restore)
		}
	}
	// Set-but-empty tokens differ from unset ones (§2).
	cfg = fromEnv(t, map[string]string{"SIE_AUTH_TOKEN": "", "SIE_ADMIN_TOKEN": "adm", "SIE_CONFIG_READ_TOKEN": "rd"})
	if cfg.Auth.Inference == nil || *cfg.Auth.Inference != "" || *cfg.Auth.Admin != "adm" || *cfg.Auth.Read != "rd" {
		t.Fatalf("tokens: %+v", cfg.Auth)
	}
	for _, v := range []string{"prod", "production", " PRODUCTION ", "Prod"} {
		if !fromEnv(t, map[string]string{"SIE_ENV": v}).Auth.Production || !fromEnv(t, map[string]string{"SIE_DEPLOYMENT_ENV": v}).Auth.Production {
			t.Errorf("%q does not arm the production guard", v)
		}
	}
	for _, v := range []string{"", "staging", "prd", "production1"} {
		if fromEnv(t, map[string]string{"SIE_ENV": v}).Auth.Production {
			t.Errorf("%q arms the production guard", v)
		}
	}
	for _, k := range []string{"SIE_LOG_LEVEL", "SIE_LOG_JSON", "SIE_CONFIG_STORE_REPLICAS"} {
		if _, err := configserver.FromEnv(func(key string) (string, bool) { return "bogus", key == k }); err == nil {
			t.Errorf("%s=bogus accepted", k)
		}
	}
}

// TestRouterID covers upstream #162: POD_NAME, else {HOSTNAME or the OS
// hostname}-{pid}; never empty.
func TestRouterID(t *testing.T) {
	pid := strconv.Itoa(os.Getpid())
	if got := fromEnv(t, map[string]string{"POD_NAME": "sie-cluster-config-abc-xyz", "HOSTNAME": "h"}).RouterID; got != "sie-cluster-config-abc-xyz" {
		t.Fatal(got)
	}
	if got := fromEnv(t, map[string]string{"POD_NAME": "", "HOSTNAME": "h"}).RouterID; got != "h-"+pid {
		t.Fatal(got)
	}
	host, _ := os.Hostname()
	if got := fromEnv(t, map[string]string{}).RouterID; got != host+"-"+pid {
		t.Fatal(got)
	}
}

// TestReadTokenAndProductionGuardFromEnv covers the D3m rows of §3 end to
// end: SIE_CONFIG_READ_TOKEN reads and exports but never writes; SIE_ENV=
// production without an admin token refuses writes and export.
func TestReadTokenAndProductionGuardFromEnv(t *testing.T) {
	l := newLayout(t, nil, map[string]string{"test__model.yaml": seedYAML})
	base := map[string]string{"SIE_BUNDLES_DIR": l.bundles, "SIE_MODELS_DIR": l.models}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	rd := []string{"Authorization", "Bearer rd"}
	in := bootFromEnv(t, with("SIE_ADMIN_TOKEN", "adm", "SIE_CONFIG_READ_TOKEN", "rd"))
	want(t, in.do("GET", "/v1/configs/models", "", rd...), 200, "")
	want(t, in.do("GET", "/v1/configs/epoch", "", rd...), 200, "")
	want(t, in.do("GET", "/v1/configs/export", "", rd...), 200, "")
	want(t, in.do("POST", "/v1/configs/models", neYAML, rd...), 403, `{"detail":"Admin token required for config mutations"}`)
	wantContains(t, in.do("POST", "/v1/configs/models", neYAML, "Authorization", "Bearer adm"), 201)

	prod := `{"detail":"Config writes are disabled: SIE_ENV=production requires SIE_ADMIN_TOKEN to be set."}`
	guarded := bootFromEnv(t, with("SIE_ENV", "production", "SIE_CONFIG_READ_TOKEN", "rd"))
	want(t, guarded.do("POST", "/v1/configs/models", neYAML, rd...), 403, prod)
	want(t, guarded.do("GET", "/v1/configs/export", "", rd...), 403, prod)
	want(t, guarded.do("GET", "/v1/configs/models", "", rd...), 200, "")
	if !containsAll(guarded.logs.String(), "level=ERROR", "SIE_ADMIN_TOKEN") {
		t.Fatal("the guard is not logged at ERROR at startup")
	}
	open := bootFromEnv(t, with("SIE_DEPLOYMENT_ENV", "prod", "SIE_ADMIN_TOKEN", "adm"))
	wantContains(t, open.do("POST", "/v1/configs/models", neYAML, "Authorization", "Bearer adm"), 201)
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// One NATS credential without its pair refuses to start (exit 2 in the
// binary), so a typo never becomes an anonymous connection.
func TestFromEnvNATSCredentials(t *testing.T) {
	for _, env := range []map[string]string{
		{"SIE_NATS_USER": "sie-config"},
		{"SIE_NATS_PASSWORD": "pw"},
		{"SIE_NATS_TLS_CERT": "/c.pem"},
	} {
		if _, err := configserver.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err == nil {
			t.Errorf("%v accepted", env)
		}
	}
	cfg := fromEnv(t, map[string]string{"SIE_NATS_USER": "sie-config", "SIE_NATS_PASSWORD": "pw"})
	if cfg.NATSCredentials.User != "sie-config" || cfg.NATSCredentials.Password != "pw" {
		t.Fatalf("%+v", cfg.NATSCredentials)
	}
}

// TestStoreReplicasFromEnv: SIE_CONFIG_STORE_REPLICAS is 1 to 5; 0, 6 and
// words are usage errors.
func TestStoreReplicasFromEnv(t *testing.T) {
	for v, ok := range map[string]bool{"": true, "1": true, "3": true, "5": true, "0": false, "6": false, "-1": false, "three": false} {
		_, err := configserver.FromEnv(func(key string) (string, bool) {
			if key == "SIE_CONFIG_STORE_REPLICAS" {
				return v, true
			}
			return "", false
		})
		if (err == nil) != ok {
			t.Errorf("SIE_CONFIG_STORE_REPLICAS=%q: err = %v", v, err)
		}
	}
}
