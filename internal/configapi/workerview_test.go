package configapi_test

import (
	"strings"
	"testing"
)

// Documents of the E1 tests, on the upstream default bundle.
const (
	// quickExampleBody is the public Config API page's Quick Example: no
	// tasks, so workers hold a stub.
	quickExampleBody = "sie_id: intfloat/multilingual-e5-base\nhf_id: intfloat/multilingual-e5-base\nprofiles:\n  default:\n" +
		"    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 8192\n" +
		"    adapter_options:\n      loadtime: {}\n      runtime:\n        pooling: mean\n"
	// fullBody passes the strict worker schema.
	fullBody = "sie_id: full/model\nhf_id: org/full\ntasks:\n  encode:\n    dense:\n      dim: 384\nprofiles:\n  default:\n" +
		"    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 8192\n"
	// ignoredBody: a standalone profile without max_batch_tokens, so not
	// even a stub can be built.
	ignoredBody = "sie_id: ign/model\nhf_id: org/ign\ntasks: {}\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n"

	viewStrict   = `"worker_view":{"form":"strict","reasons":[]}}`
	reasonNoTask = "no 'tasks' mapping: workers hold a stub without outputs and reject inference for this model"
	viewStub     = `"worker_view":{"form":"stub","reasons":["` + reasonNoTask + `"]}}`
	reasonNoMBT  = "profile 'default' has no 'extends' and no 'max_batch_tokens': workers cannot build even a stub, so they do not hold this model at all"
	viewIgnored  = `"worker_view":{"form":"ignored","reasons":["` + reasonNoMBT + `"]}}`
)

// TestWorkerViewOnWrites: every POST and PUT answer ends with the worker
// view of the complete document published, including writes that change
// nothing; a DELETE reports the seed it reverts to, and nothing when the
// model is removed (extensions E1).
func TestWorkerViewOnWrites(t *testing.T) {
	e := newEnv(t, options{store: true, models: seedOnly()})
	expect(t, e.post(quickExampleBody), 201, `{"model_id":"intfloat/multilingual-e5-base","created_profiles":["default"],"existing_profiles_skipped":[],"warnings":[],"routable_bundles_by_profile":{"default":["default"]},"router_id":"standalone","epoch":1,`+viewStub)
	expect(t, e.post(quickExampleBody), 200, `{"model_id":"intfloat/multilingual-e5-base","created_profiles":[],"existing_profiles_skipped":["default"],"warnings":[],"routable_bundles_by_profile":{},"router_id":"standalone","epoch":1,`+viewStub)
	expect(t, e.post(fullBody), 201, `{"model_id":"full/model","created_profiles":["default"],"existing_profiles_skipped":[],"warnings":[],"routable_bundles_by_profile":{"default":["default"]},"router_id":"standalone","epoch":2,`+viewStrict)
	// An appended profile makes the complete document: its view, not the body's.
	expectContains(t, e.post("sie_id: full/model\nprofiles:\n  fast:\n    extends: default\n    max_batch_tokens: 64\n"), 201, `"epoch":3,`+viewStrict)
	expectContains(t, e.post("sie_id: full/model\ndescription: x\nprofiles:\n  slow:\n    extends: default\n"), 201,
		`"epoch":4,"worker_view":{"form":"stub","reasons":["top-level key 'description' is not in the worker schema: workers hold a stub without outputs and reject inference for this model"]}}`)
	expectContains(t, e.put("ign/model", ignoredBody), 201, `"epoch":5,`+viewIgnored)
	expectContains(t, e.put("ign/model", ignoredBody), 200, `"unchanged":true`, `"epoch":5,`+viewIgnored)
	// The seed test/model has no tasks: a revert reports the seed's stub.
	expectContains(t, e.put("test/model", strings.Replace(fullBody, "full/model", "test/model", 1)), 200, `"replaced":true`, viewStrict)
	expectContains(t, e.del("test/model"), 200, `"deleted":true`, `"fallback":"filesystem"`, `"epoch":7,`+viewStub)
	expectContains(t, e.del("test/model"), 200, `"unchanged":true`, `"epoch":7,`+viewStub)
	r := e.del("ign/model")
	expectContains(t, r, 200, `"deleted":true`, `"fallback":null`, `"epoch":8}`)
	if strings.Contains(string(r.body), "worker_view") {
		t.Errorf("a removed model has a worker view: %s", r.body)
	}
	// An idempotent replay returns the cached bytes, view included.
	first := e.post(strings.Replace(fullBody, "full/model", "idem/model", 1), "Idempotency-Key", "k-view")
	again := e.post(strings.Replace(fullBody, "full/model", "idem/model", 1), "Idempotency-Key", "k-view")
	if first.status != 201 || string(first.body) != string(again.body) {
		t.Errorf("replay: %d %s / %s", first.status, first.body, again.body)
	}
}

// TestRequireServable: with SIE_CONFIG_REQUIRE_SERVABLE, a POST or PUT
// workers cannot serve is refused with 422 and leaves no trace.
func TestRequireServable(t *testing.T) {
	pub := newFakePub()
	e := newEnv(t, options{store: true, models: seedOnly(), pub: pub, routerID: "r", requireServable: true})
	stubRefusal := `{"detail":{"error":"validation_error","details":[{"message":"Workers cannot serve this document: ` + reasonNoTask + `"}]}}`
	expect(t, e.post(quickExampleBody), 422, stubRefusal)
	expect(t, e.put("intfloat/multilingual-e5-base", quickExampleBody), 422, stubRefusal)
	expect(t, e.put("ign/model", ignoredBody), 422,
		`{"detail":{"error":"validation_error","details":[{"message":"Workers cannot serve this document: `+reasonNoMBT+`"}]}}`)
	expect(t, e.post("sie_id: two/causes\nhf_id: x\nname: two\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 1\n"), 422,
		`{"detail":{"error":"validation_error","details":[{"message":"Workers cannot serve this document: top-level key 'name' is not in the worker schema: workers hold a stub without outputs and reject inference for this model"},{"message":"Workers cannot serve this document: `+reasonNoTask+`"}]}}`)
	// The refusal is a validation error: sie-config's own rules come first.
	expectContains(t, e.post("sie_id: x/y\nprofiles:\n  a:\n    adapter_path: foo.bar:X\n"), 422, "Adapter(s) not in any known bundle")
	// A POST appending to the stub seed is judged on the complete document.
	expectStatus(t, e.post("sie_id: test/model\nprofiles:\n  fast:\n    extends: default\n"), 422)
	if e.epoch() != 0 || e.storeHas("models/intfloat__multilingual-e5-base.yaml") || e.storeHas("models/ign__model.yaml") ||
		e.storeHas("models/test__model.yaml") || len(pub.messages()) != 0 {
		t.Fatalf("a refusal left a trace: epoch %d, %d publishes", e.epoch(), len(pub.messages()))
	}
	expect(t, e.post(fullBody), 201, `{"model_id":"full/model","created_profiles":["default"],"existing_profiles_skipped":[],"warnings":[],"routable_bundles_by_profile":{"default":["default"]},"router_id":"r","epoch":1,`+viewStrict)
	// DELETE is never refused, even when it reverts to a stub seed.
	expectStatus(t, e.put("test/model", strings.Replace(fullBody, "full/model", "test/model", 1)), 200)
	expectContains(t, e.del("test/model"), 200, `"deleted":true`, viewStub)
}
