package configapi_test

// POST /v1/configs/resolve (sie-config.md §3.12, §5.6, §5.7), including the
// registry rows upstream #99–#104 and #111–#115 at the HTTP level.

import "testing"

// registryFixture is upstream's test_model_registry layout: bge-m3 on
// both bundles, e5 on default only, Qwen on sglang only, one `name:` seed.
func registryFixture() options {
	return options{
		bundles: map[string]string{
			"default.yaml": "name: default\npriority: 10\ndefault: true\nadapters:\n- sie_server.adapters.sentence_transformer\n- sie_server.adapters.bge_m3\n",
			"sglang.yaml":  "name: sglang\npriority: 20\nadapters:\n- sie_server.adapters.sglang\n- sie_server.adapters.bge_m3\n",
		},
		models: map[string]string{
			"bge.yaml":   "sie_id: BAAI/bge-m3\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bge_m3:BGEM3\n",
			"e5.yaml":    "sie_id: intfloat/e5-base\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.sentence_transformer:ST\n  fast:\n    extends: default\n",
			"qwen.yaml":  "sie_id: Qwen/Qwen3\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.sglang:SG\n",
			"named.yaml": "name: named-model\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.sentence_transformer:ST\n",
			"orph.yaml":  "sie_id: orphan/model\nprofiles:\n  default:\n    adapter_path: missing.module:X\n",
		},
	}
}

func (e *env) resolve(body string) response {
	return e.do("POST", "/v1/configs/resolve", body)
}

func TestResolve(t *testing.T) {
	e := newEnv(t, registryFixture())
	cases := []struct {
		name, body string
		status     int
		want       string
	}{
		{"111 auto select / spec example", `{"model":"BAAI/bge-m3"}`, 200, `{"model":"BAAI/bge-m3","resolved_bundle":"default","compatible_bundles":["default","sglang"],"profiles":["default"]}`},
		{"101 103 prefix, case-insensitive", `{"model":"SGLANG:/BAAI/bge-m3"}`, 200, `{"model":"BAAI/bge-m3","resolved_bundle":"sglang","compatible_bundles":["default","sglang"],"profiles":["default"]}`},
		{"112 override", `{"model":"BAAI/bge-m3","bundle":"sglang"}`, 200, `{"model":"BAAI/bge-m3","resolved_bundle":"sglang","compatible_bundles":["default","sglang"],"profiles":["default"]}`},
		{"body bundle is case-sensitive", `{"model":"BAAI/bge-m3","bundle":"SGLANG"}`, 409, `{"detail":{"error":"bundle_conflict","model":"BAAI/bge-m3","bundle":"SGLANG","compatible_bundles":["default","sglang"],"message":"Bundle 'SGLANG' does not support model 'BAAI/bge-m3'. Compatible bundles: ['default', 'sglang']"}}`},
		{"the prefix wins", `{"model":"default:/BAAI/bge-m3","bundle":"sglang"}`, 200, `{"model":"BAAI/bge-m3","resolved_bundle":"default","compatible_bundles":["default","sglang"],"profiles":["default"]}`},
		{"100 variant is part of the name", `{"model":"BAAI/bge-m3:variant"}`, 404, `{"detail":{"error":"model_not_found","model":"BAAI/bge-m3:variant","message":"Model not found: BAAI/bge-m3:variant"}}`},
		{"102 prefix and variant", `{"model":"sglang:/BAAI/bge-m3:variant"}`, 404, `{"detail":{"error":"model_not_found","model":"BAAI/bge-m3:variant","message":"Model not found: BAAI/bge-m3:variant"}}`},
		{"113 unknown model", `{"model":"nope/nope"}`, 404, `{"detail":{"error":"model_not_found","model":"nope/nope","message":"Model not found: nope/nope"}}`},
		{"114 incompatible override", `{"model":"intfloat/e5-base","bundle":"sglang"}`, 409, `{"detail":{"error":"bundle_conflict","model":"intfloat/e5-base","bundle":"sglang","compatible_bundles":["default"],"message":"Bundle 'sglang' does not support model 'intfloat/e5-base'. Compatible bundles: ['default']"}}`},
		{"115 lower-case lookup, name as typed", `{"model":"baai/bge-m3"}`, 200, `{"model":"baai/bge-m3","resolved_bundle":"default","compatible_bundles":["default","sglang"],"profiles":["default"]}`},
		{"115 upper-case lookup", `{"model":"BAAI/BGE-M3"}`, 200, `{"model":"BAAI/BGE-M3","resolved_bundle":"default","compatible_bundles":["default","sglang"],"profiles":["default"]}`},
		{"profiles of the model found", `{"model":"INTFLOAT/E5-BASE"}`, 200, `{"model":"INTFLOAT/E5-BASE","resolved_bundle":"default","compatible_bundles":["default"],"profiles":["default","fast"]}`},
		{"104 single word, name: seed", `{"model":"named-model"}`, 200, `{"model":"named-model","resolved_bundle":"default","compatible_bundles":["default"],"profiles":["default"]}`},
		{"146 sglang-only model", `{"model":"Qwen/Qwen3"}`, 200, `{"model":"Qwen/Qwen3","resolved_bundle":"sglang","compatible_bundles":["sglang"],"profiles":["default"]}`},
		{"model with no bundle", `{"model":"orphan/model"}`, 404, `{"detail":{"error":"model_not_found","model":"orphan/model","message":"Model not found: orphan/model"}}`},
		{"empty override conflicts", `{"model":"BAAI/bge-m3","bundle":""}`, 409, `{"detail":{"error":"bundle_conflict","model":"BAAI/bge-m3","bundle":"","compatible_bundles":["default","sglang"],"message":"Bundle '' does not support model 'BAAI/bge-m3'. Compatible bundles: ['default', 'sglang']"}}`},
		{"null bundle is no override", `{"model":"BAAI/bge-m3","bundle":null,"extra":[1]}`, 200, `{"model":"BAAI/bge-m3","resolved_bundle":"default","compatible_bundles":["default","sglang"],"profiles":["default"]}`},
		{"model-id rule not applied", `{"model":"../x"}`, 404, `{"detail":{"error":"model_not_found","model":"../x","message":"Model not found: ../x"}}`},
		{"empty body", ``, 400, `{"detail":{"error":"missing_field","message":"'model' field is required"}}`},
		{"empty object", `{}`, 400, `{"detail":{"error":"missing_field","message":"'model' field is required"}}`},
		{"null model", `{"model":null}`, 400, `{"detail":{"error":"missing_field","message":"'model' field is required"}}`},
		{"empty model", `{"model":""}`, 400, `{"detail":{"error":"missing_field","message":"'model' field is required"}}`},
		{"blank spec", `{"model":"  "}`, 400, `{"detail":{"error":"invalid_model_spec","message":"model_spec must not be empty"}}`},
		{"empty bundle part", `{"model":":/x"}`, 400, `{"detail":{"error":"invalid_model_spec","message":"Bundle part of model_spec must not be empty"}}`},
		{"empty model part", `{"model":"sglang:/"}`, 400, `{"detail":{"error":"invalid_model_spec","message":"Model part of model_spec must not be empty"}}`},
	}
	for _, c := range cases {
		r := e.resolve(c.body)
		if r.status != c.status || r.body != c.want {
			t.Errorf("%s: %s\n got %d %s\nwant %d %s", c.name, c.body, r.status, r.body, c.status, c.want)
		}
	}
	for _, bad := range []string{`{`, `{"model":"x"} {}`, `{"model":"x",}`, `nope`} {
		expectContains(t, e.resolve(bad), 400, `{"detail":{"error":"parse_error","message":"Invalid JSON: `)
	}
}
