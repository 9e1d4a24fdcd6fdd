package configserver_test

import (
	"testing"

	"github.com/sieproject/sie/internal/configserver"
)

// SIE_CONFIG_REQUIRE_SERVABLE (extensions E1): a boolean, default false;
// invalid values are a startup error.
func TestRequireServableFromEnv(t *testing.T) {
	if fromEnv(t, map[string]string{}).RequireServable {
		t.Error("on by default")
	}
	for _, v := range []string{"true", "1", "yes", "TRUE"} {
		if !fromEnv(t, map[string]string{"SIE_CONFIG_REQUIRE_SERVABLE": v}).RequireServable {
			t.Errorf("%q does not turn it on", v)
		}
	}
	if fromEnv(t, map[string]string{"SIE_CONFIG_REQUIRE_SERVABLE": "false"}).RequireServable {
		t.Error("false turns it on")
	}
	if _, err := configserver.FromEnv(func(k string) (string, bool) {
		return "maybe", k == "SIE_CONFIG_REQUIRE_SERVABLE"
	}); err == nil {
		t.Error("an invalid value is accepted")
	}
}

// The running service refuses a stub document and accepts a full one.
func TestRequireServableEndToEnd(t *testing.T) {
	cfg := newLayout(t, nil, nil).config()
	cfg.RequireServable = true
	in := boot(t, cfg)
	want(t, in.postModel(neYAML), 422, `{"detail":{"error":"validation_error","details":[{"message":"Workers cannot serve this document: no 'tasks' mapping: workers hold a stub without outputs and reject inference for this model"}]}}`)
	wantContains(t, in.get("/v1/configs/epoch"), 200, `"epoch":0`)
	wantContains(t, in.postModel("sie_id: n/e\nhf_id: n/e\ntasks: {}\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 1\n"),
		201, `"epoch":1,"worker_view":{"form":"strict","reasons":[]}}`)
}
