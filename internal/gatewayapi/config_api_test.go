package gatewayapi

import (
	"net/http"
	"strings"
	"testing"
)

// handlers/config_api.rs #1: writes are not served (405, Allow GET,HEAD).
func TestWritesAre405(t *testing.T) {
	e := newEnv(t, state(t, 0), Auth{})
	for _, c := range []struct{ method, path string }{
		{http.MethodPost, "/v1/configs/models"}, {http.MethodPut, "/v1/configs/models/a/b"}, {http.MethodDelete, "/v1/configs/models/a"},
	} {
		r := e.do(c.method, c.path, "", "", "")
		if r.status != 405 || r.body != "" || r.header.Get("Allow") != "GET,HEAD" {
			t.Errorf("%s %s: %d %q Allow=%q", c.method, c.path, r.status, r.body, r.header.Get("Allow"))
		}
	}
	if r := e.do(http.MethodGet, "/v1/configs/resolve", "", "", ""); r.status != 405 || r.header.Get("Allow") != "POST" {
		t.Errorf("GET resolve: %d Allow=%q", r.status, r.header.Get("Allow"))
	}
}

// Framework answers: bare 404, distinct trailing slashes, the export and
// epoch endpoints are not served, HEAD on GET routes, query ignored.
func TestFramework(t *testing.T) {
	e := newEnv(t, state(t, 0, modelDoc("a/b", bertFlash)), Auth{})
	for _, p := range []string{"/nope", "/v1/configs/models/", "/v1/configs/export", "/v1/configs/epoch", "/v1/configs/bundles/", "/v1/configs/bundles/a/b", "/v1/pools", "/"} {
		if r := e.get(p); r.status != 404 || r.body != "" {
			t.Errorf("%s: %d %q", p, r.status, r.body)
		}
	}
	if r := e.do(http.MethodHead, "/v1/configs/models?x=1", "", "", ""); r.status != 200 || r.body != "" {
		t.Errorf("HEAD: %d", r.status)
	}
	if r := e.get("/v1/configs/models/a%2Fb?q=1"); r.status != 200 || !strings.Contains(r.body, "sie_id: a/b") {
		t.Errorf("decoded id: %d %s", r.status, r.body)
	}
}

// handlers/config_api.rs #2–#6 and §4.1–4.4.
func TestConfigReads(t *testing.T) {
	e := newEnv(t, state(t, 7, modelDoc("BAAI/bge-m3", bertFlash, "sie_server.adapters.sglang"), modelDoc("z/last", bertFlash)), Auth{})
	e.worker("http://w1", "w1", "default", "h", true)
	e.worker("http://w2", "w2", "Default", "h", true)
	e.worker("http://w3", "w3", "default", "h", false)
	expect(t, e.get("/v1/configs/models"), 200,
		`{"models":[{"model_id":"BAAI/bge-m3","profiles":["default","p1"],"source":"gateway-registry"},{"model_id":"z/last","profiles":["default"],"source":"gateway-registry"}]}`)
	r := e.get("/v1/configs/models/baai/BGE-M3")
	expect(t, r, 200, "bundles:\n- default\n- sglang\nsie_id: BAAI/bge-m3\nsource: gateway-registry\n")
	if r.header.Get("Content-Type") != "application/x-yaml" {
		t.Error("YAML content type")
	}
	expect(t, e.get("/v1/configs/models/not/there"), 404, `{"message":"Model 'not/there' not found"}`)
	expect(t, e.get("/v1/configs/bundles"), 200,
		`{"bundles":[{"adapter_count":2,"bundle_id":"default","connected_workers":1,"priority":10,"source":"gateway-registry"},{"adapter_count":1,"bundle_id":"sglang","connected_workers":0,"priority":20,"source":"gateway-registry"}]}`)
	expect(t, e.get("/v1/configs/bundles/default"), 200,
		"adapters:\n- "+bertFlash+"\n- sie_server.adapters.x\nname: default\npriority: 10\nsource: gateway-registry\n")
	expect(t, e.get("/v1/configs/bundles/Default"), 404, `{"message":"Bundle 'Default' not found"}`)
	empty := newEnv(t, state(t, 0), Auth{})
	expect(t, empty.get("/v1/configs/models"), 200, `{"models":[]}`)
}

// handlers/config_api.rs #10–#17: the status view.
func TestModelStatus(t *testing.T) {
	st := state(t, 99, modelDoc("a/m", bertFlash), modelDoc("foo/status", bertFlash), modelDoc("orphan", "nowhere.mod"))
	e := newEnv(t, st, Auth{})
	want := st.ExpectedHash("default")
	if len(want) != 64 {
		t.Fatalf("expected hash %q", want)
	}
	// No workers: not acked, zero eligible.
	expect(t, e.get("/v1/configs/models/a/m/status"), 200,
		`{"all_bundles_acked":false,"bundles":[{"acked":false,"acked_workers":[],"bundle_id":"default","expected_bundle_config_hash":"`+want+`","pending_workers":[],"total_eligible_workers":0,"workers":[]}],"config_epoch":99,"message":"no worker of bundle default is connected to this gateway","model_id":"a/m","no_bundles":false,"reason":"no_eligible_workers","source":"gateway-registry","state":"no_workers","worker_view":{"form":"strict","reasons":[]}}`)
	e.worker("http://b", "worker-b", "default", want, true)
	e.worker("http://a", "worker-a", "default", want, true)
	e.worker("http://c", "worker-c", "Default", "stale", true) // exact case required
	e.worker("http://d", "", "default", want, false)           // not Healthy
	expect(t, e.get("/v1/configs/models/A/M/status"), 200,
		`{"all_bundles_acked":true,"bundles":[{"acked":true,"acked_workers":["worker-a","worker-b"],"bundle_id":"default","expected_bundle_config_hash":"`+want+`","pending_workers":[],"total_eligible_workers":2,"workers":[`+
			`{"acked":false,"config_epoch":99,"detail":"not_ready","health":"unknown","name":"http://d","reported_hash":"`+want+`"},`+
			`{"acked":true,"config_epoch":99,"detail":"","health":"healthy","name":"worker-a","reported_hash":"`+want+`"},`+
			`{"acked":true,"config_epoch":99,"detail":"","health":"healthy","name":"worker-b","reported_hash":"`+want+`"}]}],`+
			`"config_epoch":99,"message":"2 of 2 workers of bundle default report the expected config (epoch 99)","model_id":"a/m","no_bundles":false,"reason":"","source":"gateway-registry","state":"ready","worker_view":{"form":"strict","reasons":[]}}`)
	e.worker("http://e", "", "default", "stale", true) // a lagging worker, named by URL
	r := e.get("/v1/configs/models/a/m/status")
	body := sortedJSON(t, r.body)
	if body["all_bundles_acked"] != false || !strings.Contains(r.body, `"pending_workers":["http://e"]`) || !strings.Contains(r.body, `"total_eligible_workers":3`) {
		t.Fatalf("stale hash must be pending: %s", r.body)
	}
	expect(t, e.get("/v1/configs/models/orphan/status"), 200,
		`{"all_bundles_acked":false,"bundles":[],"config_epoch":99,"message":"orphan maps to no bundle: no bundle's adapters match the adapter_path modules of its profiles","model_id":"orphan","no_bundles":true,"reason":"no_bundles","source":"gateway-registry","state":"unroutable","worker_view":{"form":"strict","reasons":[]}}`)
	expect(t, e.get("/v1/configs/models/nope/there/status"), 404, `{"message":"Model 'nope/there/status' not found"}`)
	// A model literally named foo/status is readable when foo is unknown.
	expect(t, e.get("/v1/configs/models/foo/status"), 200, "bundles:\n- default\nsie_id: foo/status\nsource: gateway-registry\n")
}

// A worker reporting ready=false drops out of acked_workers.
func TestStatusReadyFalseDropsOut(t *testing.T) {
	st := state(t, 1, modelDoc("a/m", bertFlash))
	e := newEnv(t, st, Auth{})
	h := st.ExpectedHash("default")
	e.worker("http://a", "a", "default", h, true)
	if !strings.Contains(e.get("/v1/configs/models/a/m/status").body, `"acked_workers":["a"]`) {
		t.Fatal("acked")
	}
	e.worker("http://a", "a", "default", h, false)
	r := e.get("/v1/configs/models/a/m/status")
	if !strings.Contains(r.body, `"acked_workers":[]`) || !strings.Contains(r.body, `"all_bundles_acked":false`) {
		t.Fatalf("ready=false must drop out: %s", r.body)
	}
}

// handlers/config_api.rs #7–#9 and §4.5.
func TestResolve(t *testing.T) {
	e := newEnv(t, state(t, 0, modelDoc("BAAI/bge-m3", bertFlash, "sie_server.adapters.sglang"), modelDoc("orphan", "nowhere")), Auth{})
	expect(t, e.resolve(`{"model":"BAAI/bge-m3"}`), 200,
		`{"compatible_bundles":["default","sglang"],"model":"BAAI/bge-m3","profiles":["default","p1"],"resolved_bundle":"default"}`)
	expect(t, e.resolve(`{"model":"SGLANG:/baai/bge-m3"}`), 200,
		`{"compatible_bundles":["default","sglang"],"model":"baai/bge-m3","profiles":["default","p1"],"resolved_bundle":"sglang"}`)
	expect(t, e.resolve(`{"model":"default:/BAAI/bge-m3","bundle":"sglang"}`), 200,
		`{"compatible_bundles":["default","sglang"],"model":"BAAI/bge-m3","profiles":["default","p1"],"resolved_bundle":"default"}`)
	expect(t, e.resolve(`{"model":"BAAI/bge-m3","bundle":"SGLANG"}`), 409,
		`{"bundle":"SGLANG","compatible_bundles":["default","sglang"],"message":"Bundle 'SGLANG' does not support model 'BAAI/bge-m3'. Compatible bundles: [\"default\", \"sglang\"]","model":"BAAI/bge-m3"}`)
	expect(t, e.resolve(`{"model":"BAAI/bge-m3","bundle":""}`), 409,
		`{"bundle":"","compatible_bundles":["default","sglang"],"message":"Bundle '' does not support model 'BAAI/bge-m3'. Compatible bundles: [\"default\", \"sglang\"]","model":"BAAI/bge-m3"}`)
	expect(t, e.resolve(`{"model":"nope"}`), 404, `{"message":"Model not found: nope","model":"nope"}`)
	expect(t, e.resolve(`{"model":"orphan","bundle":null}`), 404, `{"message":"Model not found: orphan","model":"orphan"}`)
	expect(t, e.resolve(`{"model":"BAAI/bge-m3:variant"}`), 404, `{"message":"Model not found: BAAI/bge-m3:variant","model":"BAAI/bge-m3:variant"}`)
	expect(t, e.resolve(`{"model":"  "}`), 400, `{"message":"model_spec must not be empty"}`)
	expect(t, e.resolve(`{"model":":/x"}`), 400, `{"message":"Bundle part of model_spec must not be empty"}`)
	expect(t, e.resolve(`{"model":"b:/"}`), 400, `{"message":"Model part of model_spec must not be empty"}`)
	for _, ct := range []string{"", "text/plain", "application/jsonx"} {
		if r := e.do(http.MethodPost, "/v1/configs/resolve", "", ct, `{"model":"x"}`); r.status != 415 ||
			r.body != "{\"message\":\"Expected request with `Content-Type: application/json`\"}" {
			t.Errorf("content type %q: %d %s", ct, r.status, r.body)
		}
	}
	if r := e.do(http.MethodPost, "/v1/configs/resolve", "", "application/vnd.api+json; charset=utf-8", `{"model":"nope"}`); r.status != 404 {
		t.Errorf("+json: %d", r.status)
	}
	for body, status := range map[string]int{`{"model":`: 400, ``: 400, "\xff": 400, `[1]`: 422, `{"model":5}`: 422, `{}`: 422, `{"model":"x","bundle":3}`: 422} {
		r := e.resolve(body)
		prefix := map[int]string{400: "Failed to parse the request body as JSON: ", 422: "Failed to deserialize the JSON body into the target type: "}[status]
		if r.status != status || !strings.HasPrefix(r.body, `{"message":"`+prefix) {
			t.Errorf("%q: %d %s", body, r.status, r.body)
		}
	}
}

// §9 (D5): the typed inference routes.
func TestInferenceRoutes(t *testing.T) {
	e := newEnv(t, state(t, 0, modelDoc("org/m", bertFlash), modelDoc("orphan", "nowhere")), Auth{})
	const unavailable = `{"message":"Inference routing is not available: this sie-gateway build serves the configuration API only."}`
	for _, op := range []string{"encode", "score", "extract"} {
		expect(t, e.do(http.MethodPost, "/v1/"+op+"/org/m", "", "", "{}"), 503, unavailable)
	}
	expect(t, e.do(http.MethodPost, "/v1/encode/ORG/M", "", "", ""), 503, unavailable)
	expect(t, e.do(http.MethodPost, "/v1/encode/unknown/m", "", "", ""), 404, `{"message":"Unknown model 'unknown/m'"}`)
	expect(t, e.do(http.MethodPost, "/v1/encode/orphan", "", "", ""), 404, `{"message":"Model not found: orphan"}`)
	expect(t, e.do(http.MethodPost, "/v1/encode/sglang:/org/m", "", "", ""), 409,
		`{"compatible_bundles":["default"],"message":"Bundle 'sglang' does not support model 'org/m'. Compatible bundles: [\"default\"]"}`)
	expect(t, e.do(http.MethodPost, "/v1/encode/Default:/org/m", "", "", ""), 503, unavailable)
	expect(t, e.do(http.MethodPost, "/v1/encode/:/org/m", "", "", ""), 400, `{"message":"Bundle part of model_spec must not be empty"}`)
	// The spec is the raw path: an encoded slash is not decoded.
	expect(t, e.do(http.MethodPost, "/v1/encode/org%2Fm", "", "", ""), 404, `{"message":"Unknown model 'org%2Fm'"}`)
	if r := e.get("/v1/encode/org/m"); r.status != 405 || r.header.Get("Allow") != "POST" {
		t.Fatalf("GET: %d", r.status)
	}
	// An empty registry cannot tell "unknown" from "not loaded yet" (issue 4).
	empty := newEnv(t, state(t, 0), Auth{})
	expect(t, empty.do(http.MethodPost, "/v1/encode/any", "", "", ""), 503, `{"message":"`+msgEmptyRegistry+`"}`)
}

// The cached status answer follows both the snapshot and the workers.
func TestStatusCacheInvalidation(t *testing.T) {
	e := newEnv(t, state(t, 1, modelDoc("a/m", bertFlash)), Auth{})
	first := e.get("/v1/configs/models/a/m/status").body
	if e.get("/v1/configs/models/a/m/status").body != first {
		t.Fatal("stable answer")
	}
	e.mirror.st = state(t, 2, modelDoc("a/m", bertFlash))
	if body := e.get("/v1/configs/models/a/m/status").body; !strings.Contains(body, `"config_epoch":2`) {
		t.Fatalf("new snapshot not seen: %s", body)
	}
	e.worker("http://w", "w", "default", "x", true)
	if body := e.get("/v1/configs/models/a/m/status").body; !strings.Contains(body, `"pending_workers":["w"]`) {
		t.Fatalf("new worker not seen: %s", body)
	}
}
