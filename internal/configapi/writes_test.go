package configapi_test

// POST, PUT and DELETE semantics: the worked example of sie-config.md §3.6,
// the epoch rules (D3a, D3b), the append-only fixes B1–B4 (D3d), and PUT /
// DELETE (D3h), with exact response and payload bytes.

import (
	"strings"
	"testing"
)

const (
	payloadNE = `{"router_id":"sie-config-0","bundle_id":"default","epoch":1,"bundle_config_hash":"f5a4539f5e25dbb3295089d2bae0d67a4fc49b523f48d3ea12be8594821979a5","model_id":"n/e","profiles_added":["default"],"model_config":"sie_id: n/e\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 1\n","affected_bundles":["default"]}`
	docNE     = "sie_id: n/e\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 1\n"
	sgProfile = "  sg:\n    adapter_path: sie_server.adapters.sglang:S\n"
)

// expectMessages checks the exact publishes (subject and bytes) in order.
func expectMessages(t *testing.T, got []message, want ...message) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d publishes, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("publish %d:\n got %s %s\nwant %s %s", i, got[i].subject, got[i].data, want[i].subject, want[i].data)
		}
	}
}

func pair(bundle, data string) []message {
	return []message{{"sie.config.models." + bundle, data}, {"sie.config.models._all", data}}
}

// TestWorkedExample is the table of sie-config.md §3.6 (store, no NATS).
func TestWorkedExample(t *testing.T) {
	e := newEnv(t, options{bundles: withSGLang(), store: true})
	expect(t, e.post(newModel), 201, created201)
	if e.storeFile("epoch") != "1" || e.storeFile("models/new__model.yaml") != newModel {
		t.Fatalf("store: epoch %q, document %q", e.storeFile("epoch"), e.storeFile("models/new__model.yaml"))
	}
	expect(t, e.post(newModel), 200, replay200)
	expect(t, e.post(strings.Replace(newModel, "max_batch_tokens: 1", "max_batch_tokens: 2", 1)), 422,
		`{"detail":{"error":"validation_error","details":[{"message":"Profile 'default' on model 'new/model' already exists with different config (append-only -- cannot modify)"}]}}`)
	expect(t, e.post(newModel+"    revision: main\n"), 409,
		`{"detail":{"error":"content_conflict","model_id":"new/model","conflicting_profiles":["default"],"message":"Profile(s) ['default'] exist with different content. Config API is append-only."}}`)
	expect(t, e.post("sie_id: new/model\nprofiles:\n"+sgProfile), 201,
		`{"model_id":"new/model","created_profiles":["sg"],"existing_profiles_skipped":[],"warnings":[],"routable_bundles_by_profile":{"sg":["default","sglang"]},"router_id":"standalone","epoch":2,"worker_view":{"form":"ignored","reasons":["profile 'sg' has no 'extends' and no 'max_batch_tokens': workers cannot build even a stub, so they do not hold this model at all","no 'tasks' mapping: once held, workers would still keep only a stub without outputs"]}}`)
	expect(t, e.post("sie_id: x/y\nprofiles:\n  a:\n    adapter_path: foo.bar:X\n  b:\n    adapter_path: abc:Y\n"), 422,
		`{"detail":{"error":"validation_error","details":[{"message":"Adapter(s) not in any known bundle: abc, foo.bar"}]}}`)
	expect(t, e.post("sie_id: ../etc\nprofiles:\n  a:\n    adapter_path: sie_server.adapters.bert_flash:B\n"), 400,
		`{"detail":{"error":"invalid_model_id","message":"Model ID contains invalid characters."}}`)
	if e.epoch() != 2 || e.storeFile("epoch") != "2" {
		t.Fatal("epoch is not 2")
	}
}

// TestEpochWithoutStore covers §3 "epoch" and "responses" (D3a, D3b): the
// epoch counts changes in memory; /epoch, /export, payloads and the gauge
// agree; replays report the current epoch.
func TestEpochWithoutStore(t *testing.T) {
	pub := newFakePub()
	e := newEnv(t, options{pub: pub, routerID: "sie-config-0"})
	expect(t, e.post(docNE), 201, `{"model_id":"n/e","created_profiles":["default"],"existing_profiles_skipped":[],"warnings":[],"routable_bundles_by_profile":{"default":["default"]},"router_id":"sie-config-0","epoch":1,"worker_view":{"form":"stub","reasons":["no 'tasks' mapping: workers hold a stub without outputs and reject inference for this model"]}}`)
	expectMessages(t, pub.messages(), pair("default", payloadNE)...)
	expect(t, e.post(docNE), 200, `{"model_id":"n/e","created_profiles":[],"existing_profiles_skipped":["default"],"warnings":[],"routable_bundles_by_profile":{},"router_id":"sie-config-0","epoch":1,"worker_view":{"form":"stub","reasons":["no 'tasks' mapping: workers hold a stub without outputs and reject inference for this model"]}}`)
	if len(pub.messages()) != 2 {
		t.Fatal("a replay published")
	}
	expectContains(t, e.post(strings.Replace(docNE, "n/e", "n/f", 1)), 201, `"epoch":2,`)
	expect(t, e.get("/v1/configs/epoch"), 200, epochBody(2, hashDefault))
	expectContains(t, e.get("/v1/configs/export"), 200, `{"snapshot_version":1,"epoch":2,`)
	if e.epoch() != 2 || !strings.Contains(pub.messages()[2].data, `"epoch":2,`) {
		t.Fatal("epoch sources disagree")
	}
	// Errors never bump it.
	expectStatus(t, e.post("sie_id: n/e\nprofiles:\n  x:\n    adapter_path: nope:X\n"), 422)
	expectStatus(t, e.del("unknown/model"), 404)
	if e.epoch() != 2 {
		t.Fatal("an error bumped the epoch")
	}
}

// TestB1AppendToSeedKeepsSeedProfiles covers §3 "B1" (D3d) with a store:
// the stored file, GET, /export and the payload hold the complete document.
// The restart half is in internal/configserver.
func TestB1AppendToSeedKeepsSeedProfiles(t *testing.T) {
	pub := newFakePub()
	e := newEnv(t, options{models: seedOnly(), store: true, pub: pub, routerID: "r"})
	body := "sie_id: test/model\nprofiles:\n  fast:\n    adapter_path: sie_server.adapters.bert_flash:F\n"
	expectContains(t, e.post(body), 201, `"created_profiles":["fast"]`)
	want := "sie_id: test/model\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 8192\n  fast:\n    adapter_path: sie_server.adapters.bert_flash:F\n"
	if got := e.storeFile("models/test__model.yaml"); got != want {
		t.Fatalf("stored:\n%s", got)
	}
	expect(t, e.get("/v1/configs/models/test/model"), 200, want)
	expectContains(t, e.get("/v1/configs/export"), 200,
		`"model_config":{"sie_id":"test/model","profiles":{"default":{"adapter_path":"sie_server.adapters.bert_flash:B","max_batch_tokens":8192},"fast":{"adapter_path":"sie_server.adapters.bert_flash:F"}}}`,
		`"raw_yaml":`+jsonString(want))
	msgs := pub.messages()
	if len(msgs) != 2 || !strings.Contains(msgs[0].data, `"profiles_added":["fast"],"model_config":`+jsonString(want)+`,`) {
		t.Fatalf("payload: %v", msgs)
	}
	expect(t, e.get("/v1/configs/models"), 200, `{"models":[{"model_id":"test/model","profiles":["default","fast"],"source":"api"}]}`)
}

// TestB1SeedDeclaredByName: a seed without sie_id (declared via `name:`)
// gets sie_id inserted as the first key of the merged document.
func TestB1SeedDeclaredByName(t *testing.T) {
	seed := "name: named/model\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n"
	e := newEnv(t, options{models: map[string]string{"named.yaml": seed}, store: true})
	expectContains(t, e.get("/v1/configs/export"), 200, `"model_config":{"sie_id":"named/model","name":"named/model","profiles":`)
	expectStatus(t, e.post("sie_id: named/model\nprofiles:\n  fast:\n    extends: default\n"), 201)
	want := "sie_id: named/model\nname: named/model\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n  fast:\n    extends: default\n"
	if got := e.storeFile("models/named__model.yaml"); got != want {
		t.Fatalf("stored:\n%s", got)
	}
}

// TestB2B4TopLevelConflicts covers §3 "B2/B4": a changed top-level field
// on the first append to a seed model is a 409 with and without a store,
// and so is a pure replay carrying a changed top-level field.
func TestB2B4TopLevelConflicts(t *testing.T) {
	seed := "sie_id: s/m\ndescription: seed\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 8192\n"
	conflict := `{"detail":{"error":"content_conflict","model_id":"s/m","conflicting_fields":["description"],"message":"Top-level field(s) ['description'] already exist with different values. Config API is append-only; mutating existing metadata is not supported via this endpoint."}}`
	for _, store := range []bool{true, false} {
		e := newEnv(t, options{models: map[string]string{"s.yaml": seed}, store: store})
		appendBody := "sie_id: s/m\ndescription: other\nprofiles:\n  fast:\n    adapter_path: sie_server.adapters.bert_flash:F\n"
		expect(t, e.post(appendBody), 409, conflict)
		replayBody := strings.Replace(seed, "description: seed", "description: other", 1)
		expect(t, e.post(replayBody), 409, conflict)
		// Top-level conflicts are checked before skipped-profile conflicts.
		expect(t, e.post(strings.Replace(replayBody, "max_batch_tokens: 8192", "max_batch_tokens: 8192\n    revision: x", 1)), 409, conflict)
		// Several fields: sorted.
		expectContains(t, e.post("sie_id: s/m\nzeta: 1\ndescription: x\nprofiles:\n  fast:\n    extends: default\n"), 409)
		// An equal value is no conflict; a new top-level key in a replay is
		// ignored (no profile created), as upstream.
		expectContains(t, e.post(strings.Replace(seed, "profiles:", "extra: new\nprofiles:", 1)), 200, `"created_profiles":[]`)
		expect(t, e.get("/v1/configs/models/s/m"), 200, seed)
		if e.epoch() != 0 || (store && e.storeHas("models/s__m.yaml")) {
			t.Fatal("a conflict or a replay wrote something")
		}
	}
	// Multiple conflicting fields are reported sorted.
	seed2 := "sie_id: s/m\nzeta: 1\nalpha: 1\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n"
	e := newEnv(t, options{models: map[string]string{"s.yaml": seed2}})
	expectContains(t, e.post("sie_id: s/m\nzeta: 2\nalpha: true\nprofiles:\n  f:\n    extends: default\n"), 409,
		`"conflicting_fields":["alpha","zeta"]`, `Top-level field(s) ['alpha', 'zeta'] already exist`)
}

// TestB3SkippedProfileConflicts covers §3 "B3": a new profile plus a
// repeated profile with an extra key → 409 conflicting_profiles, nothing
// written; canonical changes stay 422; booleans never equal numbers.
func TestB3SkippedProfileConflicts(t *testing.T) {
	pub := newFakePub()
	e := newEnv(t, options{store: true, pub: pub, routerID: "r"})
	base := "sie_id: b/m\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 8192\n    normalize: true\n"
	expectStatus(t, e.post(base), 201)
	stored := e.storeFile("models/b__m.yaml")
	withNew := base + "    revision: main\n  other:\n    adapter_path: sie_server.adapters.bert_flash:O\n"
	expect(t, e.post(withNew), 409, `{"detail":{"error":"content_conflict","model_id":"b/m","conflicting_profiles":["default"],"message":"Profile(s) ['default'] exist with different content. Config API is append-only."}}`)
	if e.storeFile("models/b__m.yaml") != stored || e.epoch() != 1 || len(pub.messages()) != 2 {
		t.Fatal("a conflicting append wrote or published")
	}
	// true is not 1 (value equality, README §5.2 item 14).
	expectContains(t, e.post(strings.Replace(base, "normalize: true", "normalize: 1", 1)), 409, `"conflicting_profiles":["default"]`)
	// Numbers compare by value: 8192.0 repeats 8192 unchanged.
	expectContains(t, e.post(strings.Replace(base, "8192", "8192.0", 1)), 200, `"existing_profiles_skipped":["default"]`)
	// A canonical change is 422 even alongside a new profile (rule 6 runs
	// before the conflict checks).
	expectStatus(t, e.post(strings.Replace(withNew, "8192", "4096", 1)), 422)
}

// TestPUT covers §3 "PUT" (D3h): create 201, replace 200 with removed
// profiles and publishes to old ∪ new bundles, unchanged 200 without any
// effect, path/body mismatch 422.
func TestPUT(t *testing.T) {
	pub := newFakePub()
	e := newEnv(t, options{bundles: withSGLang(), store: true, pub: pub, routerID: "sie-config-0"})
	both := docNE + sgProfile
	expect(t, e.put("n/e", both), 201, `{"model_id":"n/e","created":true,"replaced":false,"unchanged":false,"affected_bundles":["default","sglang"],"warnings":[],"router_id":"sie-config-0","epoch":1,"worker_view":{"form":"ignored","reasons":["profile 'sg' has no 'extends' and no 'max_batch_tokens': workers cannot build even a stub, so they do not hold this model at all","no 'tasks' mapping: once held, workers would still keep only a stub without outputs"]}}`)
	msgs := pub.messages()
	if len(msgs) != 4 || !strings.Contains(msgs[0].data, `"profiles_added":["default","sg"]`) {
		t.Fatalf("create publishes: %v", msgs)
	}
	expect(t, e.put("n/e", docNE), 200, `{"model_id":"n/e","created":false,"replaced":true,"unchanged":false,"affected_bundles":["default"],"warnings":[],"router_id":"sie-config-0","epoch":2,"worker_view":{"form":"stub","reasons":["no 'tasks' mapping: workers hold a stub without outputs and reject inference for this model"]}}`)
	replaced := strings.Replace(strings.Replace(payloadNE, `"epoch":1`, `"epoch":2`, 1), `"profiles_added":["default"]`, `"profiles_added":[]`, 1)
	// sglang lost its only model: its hash is "" now; the payload still goes there.
	sgPayload := strings.Replace(strings.Replace(replaced, `"bundle_id":"default"`, `"bundle_id":"sglang"`, 1),
		`"f5a4539f5e25dbb3295089d2bae0d67a4fc49b523f48d3ea12be8594821979a5"`, `""`, 1)
	expectMessages(t, pub.messages()[4:], append(pair("default", replaced), pair("sglang", sgPayload)...)...)
	expect(t, e.get("/v1/configs/models/n/e"), 200, docNE)
	if e.storeFile("models/n__e.yaml") != docNE {
		t.Fatal("store not replaced")
	}
	// Unchanged by value (key order and 1 vs 1.0 do not matter).
	reordered := "profiles:\n  default:\n    max_batch_tokens: 1.0\n    adapter_path: sie_server.adapters.bert_flash:B\nsie_id: n/e\n"
	expect(t, e.put("n/e", reordered), 200, `{"model_id":"n/e","created":false,"replaced":false,"unchanged":true,"affected_bundles":["default"],"warnings":[],"router_id":"sie-config-0","epoch":2,"worker_view":{"form":"stub","reasons":["no 'tasks' mapping: workers hold a stub without outputs and reject inference for this model"]}}`)
	if len(pub.messages()) != 8 || e.epoch() != 2 {
		t.Fatal("an unchanged PUT published or bumped the epoch")
	}
	expect(t, e.put("n/e", strings.Replace(docNE, "sie_id: n/e", "sie_id: a/b", 1)), 422,
		`{"detail":{"error":"validation_error","details":[{"message":"sie_id 'a/b' does not match the model id in the path 'n/e'"}]}}`)
	// Append-only rules do not apply; routability does (rule 7a).
	expectContains(t, e.put("n/e", strings.Replace(docNE, "max_batch_tokens: 1", "max_batch_tokens: 2", 1)), 200, `"replaced":true`, `"epoch":3,`)
	expectContains(t, e.put("n/e", "sie_id: n/e\nprofiles:\n  x:\n    extends: default\n"), 422, "does not resolve to any known bundle")
	expect(t, e.put("n/e", ""), 400, errNotMap)
	expect(t, e.put("n/e", "profiles: {}\n"), 422, errNoSieID)
}

// TestPUTShadowsSeedAndDELETERevealsIt covers §3 "DELETE" (API over seed →
// reverts, the payload carries the seed text) and PUT on a seed model.
func TestPUTShadowsSeedAndDELETERevealsIt(t *testing.T) {
	pub := newFakePub()
	e := newEnv(t, options{models: seedOnly(), store: true, pub: pub, routerID: "r"})
	doc := "sie_id: test/model\nprofiles:\n  other:\n    adapter_path: sie_server.adapters.bert_flash:O\n"
	expectContains(t, e.put("test/model", doc), 200, `"replaced":true`, `"epoch":1,`)
	expect(t, e.get("/v1/configs/models/test/model"), 200, doc)
	expect(t, e.del("test/model"), 200, `{"model_id":"test/model","deleted":true,"unchanged":false,"fallback":"filesystem","affected_bundles":["default"],"warnings":[],"router_id":"r","epoch":2,"worker_view":{"form":"stub","reasons":["no 'tasks' mapping: workers hold a stub without outputs and reject inference for this model"]}}`)
	expect(t, e.get("/v1/configs/models/test/model"), 200, seedTestModel)
	if e.storeHas("models/test__model.yaml") {
		t.Fatal("store file not deleted")
	}
	last := pub.messages()[len(pub.messages())-1].data
	hash := strings.Split(strings.Split(last, `"bundle_config_hash":"`)[1], `"`)[0]
	want := `{"router_id":"r","bundle_id":"default","epoch":2,"bundle_config_hash":"` + hash + `","model_id":"test/model","profiles_added":[],"model_config":` + jsonString(seedTestModel) + `,"affected_bundles":["default"],"deleted":true}`
	if last != want || len(hash) != 64 {
		t.Fatalf("revert payload\n got %s\nwant %s", last, want)
	}
	// Seed only now: a second DELETE changes nothing.
	expect(t, e.del("test/model"), 200, `{"model_id":"test/model","deleted":false,"unchanged":true,"fallback":"filesystem","affected_bundles":["default"],"warnings":[],"router_id":"r","epoch":2,"worker_view":{"form":"stub","reasons":["no 'tasks' mapping: workers hold a stub without outputs and reject inference for this model"]}}`)
	if len(pub.messages()) != 4 {
		t.Fatal("a no-op DELETE published")
	}
}

// TestDELETE covers §3 "DELETE" for API-only and unknown models.
func TestDELETE(t *testing.T) {
	pub := newFakePub()
	e := newEnv(t, options{models: seedOnly(), store: true, pub: pub, routerID: "sie-config-0"})
	expectStatus(t, e.post(docNE), 201)
	expect(t, e.del("n/e"), 200, `{"model_id":"n/e","deleted":true,"unchanged":false,"fallback":null,"affected_bundles":["default"],"warnings":[],"router_id":"sie-config-0","epoch":2}`)
	hash := strings.Split(strings.Split(pub.messages()[2].data, `"bundle_config_hash":"`)[1], `"`)[0]
	want := `{"router_id":"sie-config-0","bundle_id":"default","epoch":2,"bundle_config_hash":"` + hash + `","model_id":"n/e","profiles_added":[],"model_config":"","affected_bundles":[],"deleted":true}`
	expectMessages(t, pub.messages()[2:], pair("default", want)...)
	// The remaining model (the seed) still hashes; n/e is gone everywhere.
	if hash == "" {
		t.Fatal("default bundle hash empty although test/model remains")
	}
	expect(t, e.get("/v1/configs/models/n/e"), 404, `{"detail":{"error":"model_not_found","model_id":"n/e","message":"Model 'n/e' does not exist in the catalog."}}`)
	expect(t, e.get("/v1/configs/models"), 200, `{"models":[{"model_id":"test/model","profiles":["default"],"source":"filesystem"}]}`)
	if strings.Contains(e.get("/v1/configs/export").body, `"n/e"`) || e.storeHas("models/n__e.yaml") {
		t.Fatal("deleted model still exported or stored")
	}
	expect(t, e.del("n/e"), 404, `{"detail":{"error":"model_not_found","model_id":"n/e","message":"Model 'n/e' does not exist in the catalog."}}`)
	// Writes address models exactly: a differently cased id is unknown.
	expectStatus(t, e.del("TEST/model"), 404)
	// Any body is read and ignored; the size limit still applies.
	expectContains(t, e.do("DELETE", "/v1/configs/models/test/model", "ignored: [1"), 200, `"unchanged":true`)
	expectStatus(t, e.do("DELETE", "/v1/configs/models/test/model", strings.Repeat("x", 1<<20+1)), 413)
	if e.epoch() != 2 {
		t.Fatal("epoch")
	}
}

// TestDELETEWithoutTarget: deleting an API-only model that maps to no
// bundle publishes one payload to _all only (README §5.2 item 13).
func TestDELETEWithoutTarget(t *testing.T) {
	pub := newFakePub()
	orphan := "sie_id: orphan/m\nprofiles:\n  default:\n    adapter_path: gone.module:X\n"
	e := newEnv(t, options{store: true, restore: true, pub: pub, routerID: "r",
		storeFiles: map[string]string{"orphan__m.yaml": orphan}})
	expect(t, e.get("/v1/configs/models/orphan/m"), 200, orphan)
	expect(t, e.del("orphan/m"), 200, `{"model_id":"orphan/m","deleted":true,"unchanged":false,"fallback":null,"affected_bundles":[],"warnings":[],"router_id":"r","epoch":1}`)
	expectMessages(t, pub.messages(), message{"sie.config.models._all",
		`{"router_id":"r","bundle_id":"","epoch":1,"bundle_config_hash":"","model_id":"orphan/m","profiles_added":[],"model_config":"","affected_bundles":[],"deleted":true}`})
}

// TestDELETEWithoutStore: DELETE works in memory (README §5.2 item 3).
func TestDELETEWithoutStore(t *testing.T) {
	e := newEnv(t, options{})
	expectStatus(t, e.post(docNE), 201)
	expectContains(t, e.del("n/e"), 200, `"deleted":true`, `"fallback":null`, `"epoch":2}`)
	expectStatus(t, e.get("/v1/configs/models/n/e"), 404)
}

// TestCaseInsensitiveReads: reads find a model case-insensitively and
// return the canonical model's document; a POST with a differently cased
// new id creates a separate model (§5.5, §5.6).
func TestCaseInsensitiveReads(t *testing.T) {
	e := newEnv(t, options{models: seedOnly()})
	expect(t, e.get("/v1/configs/models/TEST/MODEL"), 200, seedTestModel)
	expectStatus(t, e.post(strings.Replace(docNE, "n/e", "Test/Model", 1)), 201)
	// Exact match first.
	expect(t, e.get("/v1/configs/models/test/model"), 200, seedTestModel)
	expect(t, e.get("/v1/configs/models/Test/Model"), 200, strings.Replace(docNE, "n/e", "Test/Model", 1))
	// Otherwise the smallest colliding id in code-point order ("Test/Model" < "test/model").
	expect(t, e.get("/v1/configs/models/TEST/model"), 200, strings.Replace(docNE, "n/e", "Test/Model", 1))
}

// TestAppendToUnroutableSeed covers rule 7b and rule 5 on a seed whose
// modules are in no bundle.
func TestAppendToUnroutableSeed(t *testing.T) {
	orphan := "sie_id: orphan/m\nprofiles:\n  default:\n    adapter_path: missing.mod:X\n"
	e := newEnv(t, options{models: map[string]string{"o.yaml": orphan}})
	expect(t, e.post("sie_id: orphan/m\nprofiles:\n  fast:\n    extends: default\n"), 422,
		validation("Appending profile(s) ['fast'] to model 'orphan/m' does not affect any bundle. Ensure at least one new profile has an `adapter_path` that a known bundle owns."))
	expect(t, e.post(orphan), 422, validation("Adapter(s) not in any known bundle: missing.mod"))
	expect(t, e.post("sie_id: orphan/m\nprofiles:\n  ok:\n    adapter_path: sie_server.adapters.bert_flash:B\n"), 201,
		`{"model_id":"orphan/m","created_profiles":["ok"],"existing_profiles_skipped":[],"warnings":[],"routable_bundles_by_profile":{"ok":["default"]},"router_id":"standalone","epoch":1,"worker_view":{"form":"ignored","reasons":["profile 'default' has no 'extends' and no 'max_batch_tokens': workers cannot build even a stub, so they do not hold this model at all","profile 'ok' has no 'extends' and no 'max_batch_tokens': workers cannot build even a stub, so they do not hold this model at all","no 'tasks' mapping: once held, workers would still keep only a stub without outputs"]}}`)
	expectContains(t, e.resolve(`{"model":"orphan/m"}`), 200, `"profiles":["default","ok"]`)
}

// TestPUTOnSeedUnchanged: a PUT equal to the seed (by value) is unchanged
// and creates no API document; the model stays a filesystem model.
func TestPUTOnSeedUnchanged(t *testing.T) {
	e := newEnv(t, options{models: seedOnly(), store: true})
	expect(t, e.put("test/model", "sie_id: test/model\nprofiles: {default: {max_batch_tokens: 8192.0, adapter_path: 'sie_server.adapters.bert_flash:B'}}\n"), 200,
		`{"model_id":"test/model","created":false,"replaced":false,"unchanged":true,"affected_bundles":["default"],"warnings":[],"router_id":"standalone","epoch":0,"worker_view":{"form":"stub","reasons":["no 'tasks' mapping: workers hold a stub without outputs and reject inference for this model"]}}`)
	if e.storeHas("models/test__model.yaml") {
		t.Fatal("unchanged PUT wrote a file")
	}
	expect(t, e.get("/v1/configs/models"), 200, `{"models":[{"model_id":"test/model","profiles":["default"],"source":"filesystem"}]}`)
	// The models gauge follows PUT and DELETE.
	expectStatus(t, e.put("test/model", strings.Replace(seedTestModel, "8192", "1", 1)), 200)
	expectStatus(t, e.put("x/y", strings.Replace(docNE, "n/e", "x/y", 1)), 201)
	if e.metric("sie_config_models_total", map[string]string{"source": "api"}) != 2 || e.metric("sie_config_models_total", map[string]string{"source": "filesystem"}) != 0 {
		t.Fatal("models gauge after PUTs")
	}
	expectStatus(t, e.del("x/y"), 200)
	expectStatus(t, e.del("test/model"), 200)
	if e.metric("sie_config_models_total", map[string]string{"source": "api"}) != 0 || e.metric("sie_config_models_total", map[string]string{"source": "filesystem"}) != 1 {
		t.Fatal("models gauge after DELETEs")
	}
}

// TestDELETERevertAcrossBundles: the API document routes to sglang, the
// seed to default; DELETE targets both (old ∪ new) and every payload
// carries the seed text and the seed's bundle list.
func TestDELETERevertAcrossBundles(t *testing.T) {
	pub := newFakePub()
	e := newEnv(t, options{bundles: withSGLang(), models: seedOnly(), pub: pub, routerID: "r"})
	expectContains(t, e.put("test/model", "sie_id: test/model\nprofiles:\n  sg:\n    adapter_path: sie_server.adapters.sglang:S\n"), 200,
		`"affected_bundles":["sglang"]`, `"epoch":1,`)
	if n := len(pub.messages()); n != 4 { // old default ∪ new sglang
		t.Fatalf("%d PUT publishes", n)
	}
	expect(t, e.del("test/model"), 200, `{"model_id":"test/model","deleted":true,"unchanged":false,"fallback":"filesystem","affected_bundles":["default","sglang"],"warnings":[],"router_id":"r","epoch":2,"worker_view":{"form":"stub","reasons":["no 'tasks' mapping: workers hold a stub without outputs and reject inference for this model"]}}`)
	msgs := pub.messages()[4:]
	if len(msgs) != 4 || msgs[0].subject != "sie.config.models.default" || msgs[2].subject != "sie.config.models.sglang" {
		t.Fatalf("DELETE publishes %v", msgs)
	}
	for _, m := range msgs {
		if !strings.Contains(m.data, `"model_config":`+jsonString(seedTestModel)+`,"affected_bundles":["default"],"deleted":true}`) {
			t.Fatalf("payload %s", m.data)
		}
	}
	if !strings.Contains(msgs[2].data, `"bundle_id":"sglang","epoch":2,"bundle_config_hash":"",`) {
		t.Fatalf("sglang lost its only model, its hash must be empty: %s", msgs[2].data)
	}
}
