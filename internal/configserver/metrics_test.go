package configserver_test

// Upstream #87–#97 (tests/test_metrics.py): the full app configured from
// the environment (temp dirs and a store, no NATS, no auth), scraped over
// HTTP. #92 and #98 need fault injection and are in internal/configapi.

import (
	"strings"
	"testing"

	"github.com/sieproject/sie/internal/configserver"
)

// bootFromEnv starts sie-config from an environment map, as the binary does.
func bootFromEnv(t *testing.T, env map[string]string) *instance {
	t.Helper()
	cfg, err := configserver.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	check(t, err)
	return boot(t, cfg)
}

func metricsEnv(t *testing.T) *instance {
	l := newLayout(t, nil, map[string]string{"test__model.yaml": seedYAML})
	return bootFromEnv(t, map[string]string{
		"SIE_BUNDLES_DIR": l.bundles, "SIE_MODELS_DIR": l.models,
		"SIE_CONFIG_STORE_DIR": l.store + "/", "SIE_CONFIG_RESTORE": "TRUE", "POD_NAME": "sie-config-0",
	})
}

func counter(in *instance, labels ...string) float64 {
	v, _ := in.metric("sie_config_http_requests_total", labels...)
	return v
}

func TestMetrics(t *testing.T) {
	t.Run("87_endpoint_returns_prometheus_text", func(t *testing.T) {
		in := metricsEnv(t)
		in.get("/healthz") // the HTTP families exist once a request was served
		r := in.get("/metrics")
		want(t, r, 200, "")
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Fatalf("Content-Type %q", ct)
		}
		help := map[string]string{
			"sie_config_http_requests_total":           "Total HTTP requests handled by sie-config",
			"sie_config_http_request_duration_seconds": "HTTP request duration (wall-clock, end-to-end inside the ASGI app)",
			"sie_config_epoch":                         "Current persisted config epoch (0 if no ConfigStore is configured)",
			"sie_config_models_total":                  "Number of models known to the registry, split by origin",
			"sie_config_nats_connected":                "1 iff sie-config is currently connected to NATS for delta publishing",
			"sie_config_nats_publishes_total":          "Config-delta publish attempts to NATS",
			"sie_config_store_writes_total":            "ConfigStore write operations, by op and result",
		}
		types := map[string]string{
			"sie_config_http_requests_total": "counter", "sie_config_http_request_duration_seconds": "histogram",
			"sie_config_epoch": "gauge", "sie_config_models_total": "gauge", "sie_config_nats_connected": "gauge",
			"sie_config_nats_publishes_total": "counter", "sie_config_store_writes_total": "counter",
		}
		for name, h := range help {
			if !strings.Contains(r.body, "# HELP "+name+" "+h+"\n") || !strings.Contains(r.body, "# TYPE "+name+" "+types[name]+"\n") {
				t.Errorf("family %s missing or with other HELP/TYPE", name)
			}
		}
		// The histogram buckets of §11.
		for _, le := range []string{"0.001", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "+Inf"} {
			if !strings.Contains(r.body, `sie_config_http_request_duration_seconds_bucket{method="GET",path="/healthz",le="`+le+`"} 1`+"\n") {
				t.Errorf("bucket le=%s missing", le)
			}
		}
		if v, ok := sampleOf(t, r.body, "sie_config_nats_connected"); !ok || v != 0 {
			t.Error("nats_connected must be 0 without NATS")
		}
	})
	t.Run("88_endpoint_does_not_record_itself", func(t *testing.T) {
		in := metricsEnv(t)
		in.get("/metrics")
		r := in.get("/metrics")
		if strings.Contains(r.body, `path="/metrics"`) {
			t.Fatal("/metrics recorded itself")
		}
	})
	t.Run("89_counter_increments_on_success", func(t *testing.T) {
		in := metricsEnv(t)
		before := counter(in, "method", "GET", "path", "/v1/configs/models", "status", "200")
		in.get("/v1/configs/models")
		if after := counter(in, "method", "GET", "path", "/v1/configs/models", "status", "200"); after != before+1 {
			t.Fatalf("%v → %v", before, after)
		}
	})
	t.Run("90_counter_uses_route_template_not_raw_url", func(t *testing.T) {
		in := metricsEnv(t)
		in.get("/v1/configs/models/test/model")
		in.get("/v1/configs/bundles/default")
		in.do("POST", "/v1/configs/resolve", `{"model":"test/model"}`)
		text := in.get("/metrics").body
		for _, l := range [][]string{
			{"method", "GET", "path", "/v1/configs/models/{model_id:path}", "status", "200"},
			{"method", "GET", "path", "/v1/configs/bundles/{bundle_id}", "status", "200"},
			{"method", "POST", "path", "/v1/configs/resolve", "status", "200"},
		} {
			if v, _ := sampleOf(t, text, "sie_config_http_requests_total", l...); v != 1 {
				t.Errorf("%v = %v", l, v)
			}
		}
		if strings.Contains(text, `path="/v1/configs/models/test/model"`) || strings.Contains(text, `path="/v1/configs/bundles/default"`) {
			t.Fatal("raw path series present")
		}
	})
	t.Run("91_error_responses_also_counted", func(t *testing.T) {
		in := metricsEnv(t)
		in.get("/v1/configs/models/nonexistent/model")
		in.do("DELETE", "/v1/configs/models", "")         // 405 under the template
		in.get("/nope")                                   // 404: unmatched (a bounded label)
		in.do("POST", "/v1/configs/models", "sie_id: [x") // 400
		text := in.get("/metrics").body
		for _, l := range [][]string{
			{"method", "GET", "path", "/v1/configs/models/{model_id:path}", "status", "404"},
			{"method", "DELETE", "path", "/v1/configs/models", "status", "405"},
			{"method", "GET", "path", "unmatched", "status", "404"},
			{"method", "POST", "path", "/v1/configs/models", "status", "400"},
		} {
			if v, _ := sampleOf(t, text, "sie_config_http_requests_total", l...); v != 1 {
				t.Errorf("%v = %v", l, v)
			}
		}
	})
	t.Run("93_epoch_seeded_from_store_on_startup", func(t *testing.T) {
		in := metricsEnv(t)
		if v, ok := in.metric("sie_config_epoch"); !ok || v != 0 {
			t.Fatalf("gauge %v %v", v, ok)
		}
		wantContains(t, in.get("/v1/configs/epoch"), 200, `{"epoch":0,`)
	})
	t.Run("94_96_97_gauges_and_store_counters_after_add_model", func(t *testing.T) {
		in := metricsEnv(t)
		api0, _ := in.metric("sie_config_models_total", "source", "api")
		w0, _ := in.metric("sie_config_store_writes_total", "op", "write_model", "result", "success")
		e0, _ := in.metric("sie_config_store_writes_total", "op", "increment_epoch", "result", "success")
		wantContains(t, in.postModel(neYAML), 201)
		if v, _ := in.metric("sie_config_epoch"); v != 1 {
			t.Errorf("94: epoch gauge %v", v)
		}
		if v, _ := in.metric("sie_config_models_total", "source", "api"); v != api0+1 {
			t.Errorf("96: api models %v → %v", api0, v)
		}
		if v, _ := in.metric("sie_config_store_writes_total", "op", "write_model", "result", "success"); v != w0+1 {
			t.Errorf("97: write_model success %v → %v", w0, v)
		}
		if v, _ := in.metric("sie_config_store_writes_total", "op", "increment_epoch", "result", "success"); v != e0+1 {
			t.Errorf("97: increment_epoch success %v → %v", e0, v)
		}
		// An append to the seed turns a filesystem model into an API one.
		wantContains(t, in.postModel("sie_id: test/model\nprofiles:\n  f:\n    extends: default\n"), 201)
		api, _ := in.metric("sie_config_models_total", "source", "api")
		fs, _ := in.metric("sie_config_models_total", "source", "filesystem")
		if api != 2 || fs != 0 {
			t.Errorf("models api=%v filesystem=%v", api, fs)
		}
		// DELETE counts delete_model.
		wantContains(t, in.do("DELETE", "/v1/configs/models/n/e", ""), 200)
		if v, _ := in.metric("sie_config_store_writes_total", "op", "delete_model", "result", "success"); v != 1 {
			t.Errorf("delete_model success %v", v)
		}
	})
	t.Run("95_filesystem_count_seeded_on_startup", func(t *testing.T) {
		in := metricsEnv(t)
		if v, _ := in.metric("sie_config_models_total", "source", "filesystem"); v < 1 {
			t.Fatalf("filesystem models %v", v)
		}
		if v, ok := in.metric("sie_config_models_total", "source", "api"); !ok || v != 0 {
			t.Fatalf("api models %v %v", v, ok)
		}
	})
}
