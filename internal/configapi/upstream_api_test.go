package configapi_test

// Rows 1–64 of upstream-tests.md §1 (tests/test_config_api.py), reproduced
// over HTTP with exact response bytes wherever the spec gives them.

import (
	"regexp"
	"strings"
	"testing"

	"github.com/sieproject/sie/internal/configapi"
	"github.com/sieproject/sie/internal/yamldoc"
)

const (
	hashDefault       = "4ec6fcefdf0fb2069fab586375e1b82d469a300b290172dfe82467d86eeac819" // bh01
	hashDefaultSGLang = "8b6e6c0d0aff9ce9d9fa0bda6645ee7c4a1e1d00a6f06d0dd0a4bf218451d648" // bh02

	created201 = `{"model_id":"new/model","created_profiles":["default"],"existing_profiles_skipped":[],"warnings":[],"routable_bundles_by_profile":{"default":["default"]},"router_id":"standalone","epoch":1,"worker_view":{"form":"stub","reasons":["no 'tasks' mapping: workers hold a stub without outputs and reject inference for this model"]}}`
	replay200  = `{"model_id":"new/model","created_profiles":[],"existing_profiles_skipped":["default"],"warnings":[],"routable_bundles_by_profile":{},"router_id":"standalone","epoch":1,"worker_view":{"form":"stub","reasons":["no 'tasks' mapping: workers hold a stub without outputs and reject inference for this model"]}}`

	errRegistry = `{"detail":{"error":"registry_unavailable","message":"ModelRegistry failed to initialize (e.g. bad bundle/model YAML). See /readyz and config service logs; fix the on-disk state and restart."}}`
	errMismatch = `{"detail":{"error":"idempotency_mismatch","message":"Idempotency-Key reused with different payload."}}`
	errNATS     = `{"detail":{"error":"nats_unavailable","message":"NATS not connected -- cannot distribute config changes."}}`
	errNoSieID  = `{"detail":{"error":"validation_error","details":[{"message":"Missing required field: sie_id"}]}}`
	errNotMap   = `{"detail":{"error":"parse_error","message":"Expected YAML mapping at top level"}}`
	errMissing  = `{"detail":"Missing Authorization header"}`
	errInvalid  = `{"detail":"Invalid token"}`
	errAdmin    = `{"detail":"Admin token required for config mutations"}`
	errNeedAdm  = `{"detail":"Write operations require SIE_ADMIN_TOKEN (inference token is not sufficient)."}`
	errProd     = `{"detail":"Config writes are disabled: SIE_ENV=production requires SIE_ADMIN_TOKEN to be set."}`
)

func tok(s string) *string { return &s }

func bearerHdr(token string) []string { return []string{"Authorization", "Bearer " + token} }

// generatedAtRE is Python's isoformat() of a UTC datetime.
var generatedAtRE = regexp.MustCompile(`"generated_at":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{6})?\+00:00)"`)

// exportBody checks generated_at's format and returns the body with it
// replaced by "T", so the rest can be compared byte for byte.
func exportBody(t *testing.T, r response) string {
	t.Helper()
	expectStatus(t, r, 200)
	expectCT(t, r, "application/json")
	if !generatedAtRE.MatchString(r.body) {
		t.Fatalf("generated_at missing or malformed: %s", r.body)
	}
	return generatedAtRE.ReplaceAllString(r.body, `"generated_at":"T"`)
}

const seedExportEntry = `{"model_id":"test/model","model_config":{"sie_id":"test/model","profiles":{"default":{"adapter_path":"sie_server.adapters.bert_flash:B","max_batch_tokens":8192}}},"raw_yaml":"# comment\nsie_id: test/model\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 8192\n","affected_bundles":["default"]}`

// TestConfigAPIModels covers upstream #1–#10 (seed test/model, store).
func TestConfigAPIModels(t *testing.T) {
	newStoreEnv := func(t *testing.T) *env { return newEnv(t, options{models: seedOnly(), store: true}) }

	t.Run("01_list_models", func(t *testing.T) {
		e := newStoreEnv(t)
		expect(t, e.get("/v1/configs/models"), 200, `{"models":[{"model_id":"test/model","profiles":["default"],"source":"filesystem"}]}`)
	})
	t.Run("02_get_model_not_found", func(t *testing.T) {
		e := newStoreEnv(t)
		expect(t, e.get("/v1/configs/models/nonexistent/model"), 404,
			`{"detail":{"error":"model_not_found","model_id":"nonexistent/model","message":"Model 'nonexistent/model' does not exist in the catalog."}}`)
	})
	t.Run("03_get_model_filesystem_returns_200", func(t *testing.T) {
		e := newStoreEnv(t)
		r := e.get("/v1/configs/models/test/model")
		expect(t, r, 200, seedTestModel) // the raw file text, comment included
		expectCT(t, r, "application/x-yaml")
	})
	t.Run("04_add_model_success", func(t *testing.T) {
		e := newStoreEnv(t)
		expect(t, e.post(newModel), 201, created201)
	})
	t.Run("05_add_model_unroutable_adapter", func(t *testing.T) {
		e := newStoreEnv(t)
		expect(t, e.post("sie_id: x/y\nprofiles:\n  default:\n    adapter_path: foo.bar:X\n"), 422,
			`{"detail":{"error":"validation_error","details":[{"message":"Adapter(s) not in any known bundle: foo.bar"}]}}`)
	})
	t.Run("06_add_model_invalid_yaml", func(t *testing.T) {
		e := newStoreEnv(t)
		expectContains(t, e.post("{{invalid yaml"), 400, `{"detail":{"error":"parse_error","message":"Invalid YAML: `)
	})
	t.Run("07_add_model_missing_sie_id", func(t *testing.T) {
		e := newStoreEnv(t)
		expect(t, e.post("profiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n"), 422, errNoSieID)
	})
	t.Run("08_add_model_persisted_to_store", func(t *testing.T) {
		e := newStoreEnv(t)
		expectStatus(t, e.post(newModel), 201)
		if got := e.storeFile("epoch"); got != "1" {
			t.Fatalf("store epoch %q, want \"1\" (no newline)", got)
		}
		stored := e.storeFile("models/new__model.yaml")
		d, err := yamldoc.Parse([]byte(stored))
		must(t, err)
		if id, _ := d.Get("sie_id"); id != "new/model" {
			t.Fatalf("stored document %q", stored)
		}
	})
	t.Run("09_add_model_idempotent_profiles", func(t *testing.T) {
		e := newStoreEnv(t)
		expect(t, e.post(newModel), 201, created201)
		expect(t, e.post(newModel), 200, replay200)
	})
	t.Run("10_list_models_includes_api_added", func(t *testing.T) {
		e := newStoreEnv(t)
		expectStatus(t, e.post(newModel), 201)
		expect(t, e.get("/v1/configs/models"), 200,
			`{"models":[{"model_id":"new/model","profiles":["default"],"source":"api"},{"model_id":"test/model","profiles":["default"],"source":"filesystem"}]}`)
	})
}

// TestConfigAPIBundles covers upstream #11–#13 (default p10, sglang p20).
func TestConfigAPIBundles(t *testing.T) {
	e := newEnv(t, options{bundles: withSGLang()})
	// 11
	expect(t, e.get("/v1/configs/bundles"), 200,
		`{"bundles":[{"bundle_id":"default","priority":10,"adapter_count":1,"source":"filesystem"},{"bundle_id":"sglang","priority":20,"adapter_count":1,"source":"filesystem"}]}`)
	// 12
	r := e.get("/v1/configs/bundles/default")
	expect(t, r, 200, "adapters:\n- sie_server.adapters.bert_flash\nname: default\npriority: 10\nsource: filesystem\n")
	expectCT(t, r, "application/x-yaml")
	// 13
	expect(t, e.get("/v1/configs/bundles/nonexistent"), 404, `{"detail":{"error":"bundle_not_found","bundle_id":"nonexistent"}}`)
	// Bundle ids are matched exactly (case-sensitive).
	expectStatus(t, e.get("/v1/configs/bundles/Default"), 404)
}

// TestConfigAPIEdgeCases covers upstream #14–#19.
func TestConfigAPIEdgeCases(t *testing.T) {
	t.Run("14_post_without_config_store_works_in_memory", func(t *testing.T) {
		e := newEnv(t, options{})
		expect(t, e.post(newModel), 201, created201) // epoch 1 without a store (D3a)
		expect(t, e.get("/v1/configs/models"), 200, `{"models":[{"model_id":"new/model","profiles":["default"],"source":"api"}]}`)
	})
	t.Run("15_post_with_nats_disconnected_returns_503", func(t *testing.T) {
		pub := newFakePub()
		pub.connected.Store(false)
		e := newEnv(t, options{pub: pub, routerID: "r1"})
		expect(t, e.post(newModel), 503, errNATS)
		if e.epoch() != 0 || pub.attemptCount() != 0 {
			t.Fatal("a refused write changed something")
		}
	})
	t.Run("16_post_model_with_multiple_profiles", func(t *testing.T) {
		e := newEnv(t, options{})
		body := "sie_id: multi/model\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n  custom:\n    adapter_path: sie_server.adapters.bert_flash:C\n"
		expect(t, e.post(body), 201, `{"model_id":"multi/model","created_profiles":["default","custom"],"existing_profiles_skipped":[],"warnings":[],"routable_bundles_by_profile":{"default":["default"],"custom":["default"]},"router_id":"standalone","epoch":1,"worker_view":{"form":"ignored","reasons":["profile 'default' has no 'extends' and no 'max_batch_tokens': workers cannot build even a stub, so they do not hold this model at all","profile 'custom' has no 'extends' and no 'max_batch_tokens': workers cannot build even a stub, so they do not hold this model at all","no 'tasks' mapping: once held, workers would still keep only a stub without outputs"]}}`)
	})
	t.Run("17_post_empty_body_returns_400", func(t *testing.T) {
		e := newEnv(t, options{})
		expect(t, e.post(""), 400, errNotMap)
	})
	auth := configapi.Auth{Inference: tok("inf"), Admin: tok("adm")}
	t.Run("18_auth_write_rejected_with_inference_token", func(t *testing.T) {
		e := newEnv(t, options{auth: auth})
		expect(t, e.post(newModel, bearerHdr("inf")...), 403, errAdmin)
	})
	t.Run("19_auth_read_allowed_with_inference_token", func(t *testing.T) {
		e := newEnv(t, options{auth: auth})
		expect(t, e.get("/v1/configs/models", bearerHdr("inf")...), 200, `{"models":[]}`)
	})
}

// TestConfigAPIIdempotency covers upstream #20–#22 (store).
func TestConfigAPIIdempotency(t *testing.T) {
	t.Run("20_duplicate_key_returns_cached_response", func(t *testing.T) {
		e := newEnv(t, options{store: true})
		expect(t, e.post(newModel, "Idempotency-Key", "k"), 201, created201)
		expect(t, e.post(newModel, "Idempotency-Key", "k"), 201, created201)
	})
	t.Run("21_duplicate_key_different_body_returns_422", func(t *testing.T) {
		e := newEnv(t, options{store: true})
		expectStatus(t, e.post(newModel, "Idempotency-Key", "k"), 201)
		expect(t, e.post(newModel+"# other\n", "Idempotency-Key", "k"), 422, errMismatch)
	})
	t.Run("22_no_idempotency_key_skips_cache", func(t *testing.T) {
		e := newEnv(t, options{store: true})
		expect(t, e.post(newModel), 201, created201)
		expect(t, e.post(newModel), 200, replay200)
	})
}

// TestNATSPublishFailureStillPersists covers upstream #23: every publish
// fails → 201, warning nats_publish_failed (D3d), the model is persisted.
func TestNATSPublishFailureStillPersists(t *testing.T) {
	pub := newFakePub()
	pub.fail = func(string) error { return errTest }
	e := newEnv(t, options{store: true, pub: pub, routerID: "sie-config-0"})
	expect(t, e.post(newModel), 201, `{"model_id":"new/model","created_profiles":["default"],"existing_profiles_skipped":[],"warnings":["nats_publish_failed: Config persisted but NATS notification failed. Workers may not be updated."],"routable_bundles_by_profile":{"default":["default"]},"router_id":"sie-config-0","epoch":1,"worker_view":{"form":"stub","reasons":["no 'tasks' mapping: workers hold a stub without outputs and reject inference for this model"]}}`)
	if !e.storeHas("models/new__model.yaml") || e.storeFile("epoch") != "1" {
		t.Fatal("model not persisted")
	}
	expectStatus(t, e.get("/v1/configs/models/new/model"), 200)
}

// TestConfigAPIExport covers upstream #24–#29 (seed test/model, store).
func TestConfigAPIExport(t *testing.T) {
	t.Run("24_export_returns_snapshot", func(t *testing.T) {
		e := newEnv(t, options{models: seedOnly(), store: true})
		got := exportBody(t, e.get("/v1/configs/export"))
		want := `{"snapshot_version":1,"epoch":0,"generated_at":"T","models":[` + seedExportEntry + `]}`
		if got != want {
			t.Fatalf("export\n got %s\nwant %s", got, want)
		}
	})
	t.Run("25_export_includes_api_added_models", func(t *testing.T) {
		e := newEnv(t, options{models: seedOnly(), store: true})
		expectStatus(t, e.post(newModel), 201)
		got := exportBody(t, e.get("/v1/configs/export"))
		want := `{"snapshot_version":1,"epoch":1,"generated_at":"T","models":[` +
			`{"model_id":"new/model","model_config":{"sie_id":"new/model","profiles":{"default":{"adapter_path":"sie_server.adapters.bert_flash:B","max_batch_tokens":1}}},"raw_yaml":"sie_id: new/model\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 1\n","affected_bundles":["default"]},` +
			seedExportEntry + `]}`
		if got != want {
			t.Fatalf("export\n got %s\nwant %s", got, want)
		}
	})
	t.Run("26_export_empty_registry", func(t *testing.T) {
		e := newEnv(t, options{})
		if got := exportBody(t, e.get("/v1/configs/export")); got != `{"snapshot_version":1,"epoch":0,"generated_at":"T","models":[]}` {
			t.Fatal(got)
		}
	})
	t.Run("27_export_generated_at_is_utc_iso8601", func(t *testing.T) {
		e := newEnv(t, options{})
		exportBody(t, e.get("/v1/configs/export")) // checks the format
	})
	t.Run("28_export_returns_raw_yaml_for_api_added_model", func(t *testing.T) {
		e := newEnv(t, options{store: true})
		expectStatus(t, e.post(newModel), 201)
		expectContains(t, e.get("/v1/configs/export"), 200,
			`"model_config":{"sie_id":"new/model","profiles":{"default":{`, `"raw_yaml":"sie_id: new/model\n`)
	})
	t.Run("29_export_epoch_monotonically_increases", func(t *testing.T) {
		e := newEnv(t, options{store: true})
		expectStatus(t, e.post(newModel), 201)
		first := exportBody(t, e.get("/v1/configs/export"))
		expectStatus(t, e.post(strings.Replace(newModel, "new/model", "new/other", 1)), 201)
		second := exportBody(t, e.get("/v1/configs/export"))
		if !strings.Contains(first, `"epoch":1,`) || !strings.Contains(second, `"epoch":2,`) {
			t.Fatalf("epochs: %s / %s", first, second)
		}
	})
}

// appendFast adds profile `fast` (8192) after `default` (1024).
const (
	writeDefault1024 = "sie_id: org/m\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 1024\n"
	writeFast8192    = "sie_id: org/m\nprofiles:\n  fast:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 8192\n"
	mergedOrgM       = "sie_id: org/m\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 1024\n  fast:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 8192\n"
)

// TestConfigAPIExportNoConfigStore covers upstream #30–#32.
func TestConfigAPIExportNoConfigStore(t *testing.T) {
	t.Run("30_export_reconstructs_full_yaml_without_store", func(t *testing.T) {
		e := newEnv(t, options{})
		expectStatus(t, e.post(newModel), 201)
		expectContains(t, e.get("/v1/configs/export"), 200,
			`"adapter_path":"sie_server.adapters.bert_flash:B"`, `"raw_yaml":"sie_id: new/model\nprofiles:\n`)
	})
	t.Run("31_export_merges_appended_profile_without_store", func(t *testing.T) {
		e := newEnv(t, options{})
		expectStatus(t, e.post(writeDefault1024), 201)
		expectStatus(t, e.post(writeFast8192), 201)
		expectContains(t, e.get("/v1/configs/export"), 200,
			`"model_config":{"sie_id":"org/m","profiles":{"default":{"adapter_path":"sie_server.adapters.bert_flash:B","max_batch_tokens":1024},"fast":{"adapter_path":"sie_server.adapters.bert_flash:B","max_batch_tokens":8192}}}`,
			`"raw_yaml":`+jsonString(mergedOrgM))
		expect(t, e.get("/v1/configs/models/org/m"), 200, mergedOrgM)
	})
	t.Run("32_nats_delta_carries_merged_yaml_without_store", func(t *testing.T) {
		pub := newFakePub()
		e := newEnv(t, options{pub: pub, routerID: "r"})
		expectStatus(t, e.post(writeDefault1024), 201)
		expectStatus(t, e.post(writeFast8192), 201)
		msgs := pub.messages()
		last := msgs[len(msgs)-1].data
		want := `"model_config":` + jsonString(mergedOrgM)
		if !strings.Contains(last, want) {
			t.Fatalf("payload %s lacks the complete document", last)
		}
	})
}

// jsonString encodes s the way sie-config does (only ", \ and control
// characters escaped); enough for the ASCII fixtures here.
func jsonString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

// TestConfigAPIExportAuth covers upstream #33–#36.
func TestConfigAPIExportAuth(t *testing.T) {
	admin := configapi.Auth{Admin: tok("adm")}
	t.Run("33_export_unauth_when_admin_token_configured", func(t *testing.T) {
		e := newEnv(t, options{models: seedOnly(), store: true, auth: admin})
		expect(t, e.get("/v1/configs/export"), 401, errMissing)
	})
	t.Run("34_export_forbidden_with_wrong_admin_token", func(t *testing.T) {
		e := newEnv(t, options{models: seedOnly(), store: true, auth: admin})
		expect(t, e.get("/v1/configs/export", bearerHdr("nope")...), 403, errAdmin)
	})
	t.Run("35_export_forbidden_with_inference_only_token", func(t *testing.T) {
		e := newEnv(t, options{models: seedOnly(), store: true, auth: configapi.Auth{Inference: tok("inf")}})
		expect(t, e.get("/v1/configs/export", bearerHdr("inf")...), 403, errNeedAdm)
	})
	t.Run("36_export_allowed_with_correct_admin_token", func(t *testing.T) {
		e := newEnv(t, options{models: seedOnly(), store: true, auth: admin})
		expectContains(t, e.get("/v1/configs/export", bearerHdr("adm")...), 200, `"model_id":"test/model"`)
	})
}

// TestConfigAPIEpoch covers upstream #37–#43 (store).
func TestConfigAPIEpoch(t *testing.T) {
	t.Run("37_epoch_returns_zero_on_empty_store", func(t *testing.T) {
		e := newEnv(t, options{store: true})
		expect(t, e.get("/v1/configs/epoch"), 200, `{"epoch":0,"bundles_hash":"`+hashDefault+`"}`)
	})
	t.Run("38_epoch_bundles_hash_changes_when_bundles_reload", func(t *testing.T) {
		// Bundles change only at restart: a registry built over the
		// directory with one more bundle file has a different hash.
		a := newEnv(t, options{store: true})
		b := newEnv(t, options{store: true, bundles: withSGLang()})
		expect(t, a.get("/v1/configs/epoch"), 200, `{"epoch":0,"bundles_hash":"`+hashDefault+`"}`)
		expect(t, b.get("/v1/configs/epoch"), 200, `{"epoch":0,"bundles_hash":"`+hashDefaultSGLang+`"}`)
	})
	t.Run("39_epoch_advances_after_write", func(t *testing.T) {
		e := newEnv(t, options{store: true})
		before := e.epoch()
		expectStatus(t, e.post(newModel), 201)
		if after := e.epoch(); after != before+1 {
			t.Fatalf("epoch %d → %d", before, after)
		}
	})
	t.Run("40_epoch_accepts_read_auth_token", func(t *testing.T) {
		e := newEnv(t, options{store: true, auth: configapi.Auth{Inference: tok("inf")}})
		expectStatus(t, e.get("/v1/configs/epoch", bearerHdr("inf")...), 200)
	})
	t.Run("41_epoch_accepts_admin_token", func(t *testing.T) {
		e := newEnv(t, options{store: true, auth: configapi.Auth{Admin: tok("adm")}})
		expectStatus(t, e.get("/v1/configs/epoch", bearerHdr("adm")...), 200)
	})
	t.Run("42_epoch_rejects_missing_token_when_auth_configured", func(t *testing.T) {
		e := newEnv(t, options{store: true, auth: configapi.Auth{Admin: tok("adm")}})
		expect(t, e.get("/v1/configs/epoch"), 401, errMissing)
	})
	t.Run("43_epoch_rejects_wrong_token", func(t *testing.T) {
		e := newEnv(t, options{store: true, auth: configapi.Auth{Inference: tok("inf")}})
		expect(t, e.get("/v1/configs/epoch", bearerHdr("wrong")...), 403, errInvalid)
	})
}

// TestWritePathOrdering covers upstream #44–#46 (store).
func TestWritePathOrdering(t *testing.T) {
	t.Run("44_status_suffix_model_id_rejected", func(t *testing.T) {
		e := newEnv(t, options{store: true})
		expect(t, e.post("sie_id: foo/status\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n"), 400,
			`{"detail":{"error":"invalid_model_id","message":"Model ID must not end with '/status' (reserved for the gateway status endpoint)."}}`)
	})
	t.Run("45_invalid_config_does_not_create_disk_artifact", func(t *testing.T) {
		e := newEnv(t, options{store: true})
		expectStatus(t, e.post("sie_id: bad/model\nprofiles:\n  default:\n    adapter_path: nowhere.mod:X\n"), 422)
		if e.storeHas("models/bad__model.yaml") || e.storeHas("epoch") || e.epoch() != 0 {
			t.Fatal("a rejected write left a trace")
		}
	})
	t.Run("46_sequential_writes_produce_monotonic_epochs", func(t *testing.T) {
		e := newEnv(t, options{store: true})
		for i := 1; i <= 5; i++ {
			r := e.post(strings.Replace(newModel, "new/model", "seq/m"+string(rune('0'+i)), 1))
			expectContains(t, r, 201, `"epoch":`+string(rune('0'+i))+`,`)
		}
		if e.epoch() != 5 || e.storeFile("epoch") != "5" {
			t.Fatal("epoch is not 5")
		}
	})
}

// TestIdempotencyEvictionSafety covers upstream #47 and #50; #48 and #49
// are in concurrency_test.go.
func TestIdempotencyEvictionSafety(t *testing.T) {
	t.Run("47_idempotency_key_replay_hits_cache", func(t *testing.T) {
		e := newEnv(t, options{store: true})
		expect(t, e.post(newModel, "Idempotency-Key", "K1"), 201, created201)
		expect(t, e.post(newModel, "Idempotency-Key", "K1"), 201, created201)
		if e.epoch() != 1 {
			t.Fatal("the replay bumped the epoch")
		}
	})
	t.Run("50_idempotency_key_mismatched_body_returns_422", func(t *testing.T) {
		e := newEnv(t, options{store: true})
		expectStatus(t, e.post(newModel, "Idempotency-Key", "K1"), 201)
		expect(t, e.post(writeDefault1024, "Idempotency-Key", "K1"), 422, errMismatch)
	})
}

// TestMergePreservesTopLevelFields covers upstream #51–#53 (store).
func TestMergePreservesTopLevelFields(t *testing.T) {
	first := "sie_id: org/m\ndescription: first\ndefault_bundle: default\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 1024\n"
	t.Run("51_append_preserves_existing_top_level_fields", func(t *testing.T) {
		e := newEnv(t, options{store: true})
		expectStatus(t, e.post(first), 201)
		expectStatus(t, e.post(writeFast8192), 201)
		want := "sie_id: org/m\ndescription: first\ndefault_bundle: default\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 1024\n  fast:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 8192\n"
		if got := e.storeFile("models/org__m.yaml"); got != want {
			t.Fatalf("stored:\n%s", got)
		}
	})
	t.Run("52_conflicting_top_level_field_returns_409", func(t *testing.T) {
		e := newEnv(t, options{store: true})
		expectStatus(t, e.post(first), 201)
		body := strings.Replace(writeFast8192, "profiles:", "description: changed\nprofiles:", 1)
		expect(t, e.post(body), 409, `{"detail":{"error":"content_conflict","model_id":"org/m","conflicting_fields":["description"],"message":"Top-level field(s) ['description'] already exist with different values. Config API is append-only; mutating existing metadata is not supported via this endpoint."}}`)
	})
	t.Run("53_append_can_introduce_new_top_level_field", func(t *testing.T) {
		e := newEnv(t, options{store: true})
		expectStatus(t, e.post(writeDefault1024), 201)
		body := strings.Replace(writeFast8192, "profiles:", "description: added\nprofiles:", 1)
		expectStatus(t, e.post(body), 201)
		want := "sie_id: org/m\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 1024\n  fast:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 8192\ndescription: added\n"
		if got := e.storeFile("models/org__m.yaml"); got != want {
			t.Fatalf("stored:\n%s", got)
		}
	})
}

// TestRejectUnroutableModels covers upstream #54–#56 (store).
func TestRejectUnroutableModels(t *testing.T) {
	t.Run("54_new_model_with_only_extends_profiles_rejected", func(t *testing.T) {
		e := newEnv(t, options{store: true})
		expect(t, e.post("sie_id: ext/only\nprofiles:\n  fast:\n    extends: default\n"), 422,
			"{\"detail\":{\"error\":\"validation_error\",\"details\":[{\"message\":\"Model 'ext/only' does not resolve to any known bundle. Every new model must contribute at least one profile whose `adapter_path` module appears in a bundle's adapters list. (Profiles that only `extends` another profile do not count.)\"}]}}")
	})
	t.Run("55_new_model_with_adapter_path_still_accepted", func(t *testing.T) {
		e := newEnv(t, options{store: true})
		expectStatus(t, e.post(newModel), 201)
	})
	t.Run("56_append_extends_profile_to_routable_model_accepted", func(t *testing.T) {
		e := newEnv(t, options{store: true})
		expectStatus(t, e.post(newModel), 201)
		expect(t, e.post("sie_id: new/model\nprofiles:\n  fast:\n    extends: default\n"), 201,
			`{"model_id":"new/model","created_profiles":["fast"],"existing_profiles_skipped":[],"warnings":[],"routable_bundles_by_profile":{"fast":["default"]},"router_id":"standalone","epoch":2,"worker_view":{"form":"stub","reasons":["no 'tasks' mapping: workers hold a stub without outputs and reject inference for this model"]}}`)
	})
}

// TestMissingRegistryReturns503 covers upstream #57–#64.
func TestMissingRegistryReturns503(t *testing.T) {
	e := newEnv(t, options{noRegistry: true})
	cases := []struct{ row, method, path, body string }{
		{"57", "GET", "/v1/configs/models", ""},
		{"58", "GET", "/v1/configs/bundles", ""},
		{"59", "POST", "/v1/configs/resolve", `{"model":"x"}`},
		{"60", "GET", "/v1/configs/models/foo/bar", ""},
		{"61", "GET", "/v1/configs/bundles/default", ""},
		{"62", "POST", "/v1/configs/models", newModel},
		{"64", "GET", "/v1/configs/export", ""},
		// Not upstream rows, same rule: PUT and DELETE are registry-backed.
		{"-", "PUT", "/v1/configs/models/new/model", newModel},
		{"-", "DELETE", "/v1/configs/models/new/model", ""},
	}
	for _, c := range cases {
		t.Run(c.row+"_"+c.method+c.path, func(t *testing.T) {
			expect(t, e.do(c.method, c.path, c.body), 503, errRegistry)
		})
	}
	t.Run("model-id rule before the registry check", func(t *testing.T) {
		expect(t, e.get("/v1/configs/models/a__b"), 400, `{"detail":{"error":"invalid_model_id","message":"Model ID must not contain '__' (reserved for store file names)."}}`)
	})
	t.Run("63_epoch_works_without_registry", func(t *testing.T) {
		expect(t, e.get("/v1/configs/epoch"), 200, `{"epoch":0,"bundles_hash":""}`)
	})
	t.Run("readyz_503", func(t *testing.T) {
		expect(t, e.get("/readyz"), 503, `{"detail":"Model registry not loaded"}`)
		expect(t, e.get("/healthz"), 200, `{"status":"ok"}`)
	})
}
