package configapi_test

// Failure paths of the write pipeline: publish outcomes (B6/B7 and upstream
// #165–#170 at the pipeline level), store failures and rollback (B8), the
// NATS max_payload pre-check and the body size limit.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sieproject/sie/internal/store/local"
)

const (
	warnFailed  = "nats_publish_failed: Config persisted but NATS notification failed. Workers may not be updated."
	warnPartial = "nats_publish_partial: Config persisted but NATS notification failed for bundle(s) ['sglang']. Workers on those bundles will stay on the previous epoch until the gateway's periodic epoch poll triggers a re-export."
	bundleExtra = "name: extra\npriority: 30\nadapters:\n- sie_server.adapters.extra\n"
	// threeBundles has a profile on each of default, sglang and extra.
	threeBundles = "sie_id: t/m\nprofiles:\n  a:\n    adapter_path: sie_server.adapters.bert_flash:A\n  b:\n    adapter_path: sie_server.adapters.sglang:B\n  c:\n    adapter_path: sie_server.adapters.extra:C\n"
)

func withExtra() map[string]string {
	b := withSGLang()
	b["extra.yaml"] = bundleExtra
	return b
}

func publishes(e *env, result string) float64 {
	return e.metric("sie_config_nats_publishes_total", map[string]string{"result": result})
}

func storeWrites(e *env, op, result string) float64 {
	return e.metric("sie_config_store_writes_total", map[string]string{"op": op, "result": result})
}

// jsonKeys returns the top-level keys of a JSON object in order.
func jsonKeys(t *testing.T, data string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(data))
	if tk, err := dec.Token(); err != nil || tk != json.Delim('{') {
		t.Fatalf("not an object: %s", data)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		must(t, err)
		keys = append(keys, k.(string))
		var skip json.RawMessage
		must(t, dec.Decode(&skip))
	}
	return keys
}

// TestPublishToEveryTarget covers upstream #165–#168 at the pipeline
// level: per target, the bundle subject then _all with byte-identical
// payloads of exactly eight keys, each with its own bundle hash.
func TestPublishToEveryTarget(t *testing.T) {
	pub := newFakePub()
	e := newEnv(t, options{bundles: withSGLang(), pub: pub, routerID: "sie-config-0"})
	expectStatus(t, e.post(docNE+sgProfile), 201)
	msgs := pub.messages()
	if len(msgs) != 4 {
		t.Fatalf("%d publishes, want 4", len(msgs))
	}
	wantSubjects := []string{"sie.config.models.default", "sie.config.models._all", "sie.config.models.sglang", "sie.config.models._all"}
	for i, m := range msgs {
		if m.subject != wantSubjects[i] {
			t.Fatalf("publish %d on %s, want %s", i, m.subject, wantSubjects[i])
		}
		if got := strings.Join(jsonKeys(t, m.data), ","); got != "router_id,bundle_id,epoch,bundle_config_hash,model_id,profiles_added,model_config,affected_bundles" {
			t.Fatalf("payload keys %s", got)
		}
	}
	if msgs[0].data != msgs[1].data || msgs[2].data != msgs[3].data || msgs[0].data == msgs[2].data {
		t.Fatal("a bundle's _all copy differs, or two bundles share a payload")
	}
	for i, b := range []string{"default", "sglang"} {
		if !strings.Contains(msgs[2*i].data, `"bundle_id":"`+b+`"`) {
			t.Fatalf("payload %d: %s", i, msgs[2*i].data)
		}
	}
	if publishes(e, "success") != 1 {
		t.Fatal("success not counted once")
	}
}

// TestPublishPartialFailure covers upstream #169 and §3 B6/B7: the 2nd of
// 3 bundles fails → continue, skip its _all copy, 5 publish attempts,
// partial warning naming it, metric partial.
func TestPublishPartialFailure(t *testing.T) {
	pub := newFakePub()
	pub.fail = func(subject string) error {
		if subject == "sie.config.models.sglang" {
			return errTest
		}
		return nil
	}
	e := newEnv(t, options{bundles: withExtra(), store: true, pub: pub, routerID: "r"})
	r := e.post(threeBundles)
	expectContains(t, r, 201, `"warnings":[`+jsonString(warnPartial)+`]`, `"epoch":1,"worker_view":`)
	if pub.attemptCount() != 5 {
		t.Fatalf("%d publish attempts, want 5", pub.attemptCount())
	}
	var subjects []string
	for _, m := range pub.messages() {
		subjects = append(subjects, m.subject)
	}
	if got := strings.Join(subjects, " "); got != "sie.config.models.default sie.config.models._all sie.config.models.extra sie.config.models._all" {
		t.Fatalf("delivered %s", got)
	}
	if publishes(e, "partial") != 1 || publishes(e, "failure") != 0 || publishes(e, "success") != 0 {
		t.Fatal("metric result is not partial")
	}
	// An _all failure counts its bundle as failed too.
	pub2 := newFakePub()
	var n atomic.Int32
	pub2.fail = func(subject string) error {
		if subject == "sie.config.models._all" && n.Add(1) == 2 {
			return errTest
		}
		return nil
	}
	e2 := newEnv(t, options{bundles: withSGLang(), pub: pub2, routerID: "r"})
	expectContains(t, e2.post(docNE+sgProfile), 201, `"warnings":[`+jsonString(warnPartial)+`]`)
}

// TestPublishAllFail covers §3 B6/B7: every target failing → failed
// warning (not partial), metric failure; the write is still durable.
func TestPublishAllFail(t *testing.T) {
	pub := newFakePub()
	pub.fail = func(string) error { return errTest }
	e := newEnv(t, options{bundles: withSGLang(), store: true, pub: pub, routerID: "r"})
	expectContains(t, e.post(docNE+sgProfile), 201, `"warnings":["`+warnFailed+`"]`)
	if publishes(e, "failure") != 1 || publishes(e, "partial") != 0 {
		t.Fatal("metric result is not failure")
	}
	if e.epoch() != 1 || e.storeFile("models/n__e.yaml") == "" {
		t.Fatal("write not durable")
	}
}

// TestPublishDisconnectedAfterGate covers §3 B6: NATS drops between the
// gate and the publish → 201 with nats_publish_failed, metric failure.
func TestPublishDisconnectedAfterGate(t *testing.T) {
	pub := newFakePub()
	// The store write runs after the gate and before the publish.
	drop := func(op, _ string) error {
		if op == local.OpModel {
			pub.connected.Store(false)
		}
		return nil
	}
	e := newEnv(t, options{store: true, failWrites: drop, pub: pub, routerID: "r"})
	expect(t, e.post(docNE), 201, `{"model_id":"n/e","created_profiles":["default"],"existing_profiles_skipped":[],"warnings":["`+warnFailed+`"],"routable_bundles_by_profile":{"default":["default"]},"router_id":"r","epoch":1,"worker_view":{"form":"stub","reasons":["no 'tasks' mapping: workers hold a stub without outputs and reject inference for this model"]}}`)
	if publishes(e, "failure") != 1 || len(pub.messages()) != 0 {
		t.Fatal("expected a counted failure and nothing delivered")
	}
	// Now the gate refuses.
	expect(t, e.post(strings.Replace(docNE, "n/e", "n/f", 1)), 503, errNATS)
}

// TestNoPublishMetricWithoutNATS: without NATS nothing is counted as a
// publish and router_id is "standalone".
func TestNoPublishMetricWithoutNATS(t *testing.T) {
	e := newEnv(t, options{routerID: "ignored"})
	expectContains(t, e.post(docNE), 201, `"router_id":"standalone"`)
	for _, result := range []string{"success", "partial", "failure"} {
		if publishes(e, result) != 0 {
			t.Fatalf("publish %s counted without NATS", result)
		}
	}
}

// TestStoreEpochWriteFailure covers §3 B8: the epoch write fails → 503
// store_unavailable, no model file, epoch unchanged, nothing published;
// the retry then succeeds normally.
func TestStoreEpochWriteFailure(t *testing.T) {
	var failing atomic.Bool
	failing.Store(true)
	hook := func(op, _ string) error {
		if failing.Load() && op == local.OpEpoch {
			return errTest
		}
		return nil
	}
	pub := newFakePub()
	e := newEnv(t, options{store: true, failWrites: hook, pub: pub, routerID: "r"})
	r := e.post(docNE)
	expectContains(t, r, 503, `{"detail":{"error":"store_unavailable","message":"`)
	if e.storeHas("models/n__e.yaml") || e.storeHas("epoch") || e.epoch() != 0 || len(pub.messages()) != 0 {
		t.Fatal("a failed write left a trace")
	}
	expectStatus(t, e.get("/v1/configs/models/n/e"), 404)
	if storeWrites(e, "increment_epoch", "failure") != 1 || storeWrites(e, "write_model", "success")+storeWrites(e, "write_model", "failure") != 0 {
		t.Fatal("store write metrics")
	}
	failing.Store(false)
	expectContains(t, e.post(docNE), 201, `"epoch":1,"worker_view":`)
}

// TestStoreModelWriteFailureRollsBack covers §3 B8: the document write
// fails → 503 and the epoch file is restored; for POST, PUT and DELETE.
func TestStoreModelWriteFailureRollsBack(t *testing.T) {
	var failing atomic.Bool
	hook := func(op, _ string) error {
		if failing.Load() && (op == local.OpModel || op == local.OpDelete) {
			return errTest
		}
		return nil
	}
	pub := newFakePub()
	e := newEnv(t, options{store: true, failWrites: hook, pub: pub, routerID: "r"})
	expectStatus(t, e.post(docNE), 201)
	failing.Store(true)
	for _, r := range []response{
		e.post("sie_id: n/f\nprofiles:\n  d:\n    adapter_path: sie_server.adapters.bert_flash:B\n"),
		e.put("n/e", strings.Replace(docNE, "max_batch_tokens: 1", "max_batch_tokens: 7", 1)),
		e.del("n/e"),
	} {
		expectContains(t, r, 503, `{"detail":{"error":"store_unavailable","message":"`)
		if e.storeFile("epoch") != "1" || e.epoch() != 1 {
			t.Fatalf("epoch not rolled back: file %q, memory %d", e.storeFile("epoch"), e.epoch())
		}
	}
	if e.storeHas("models/n__f.yaml") || e.storeFile("models/n__e.yaml") != docNE || len(pub.messages()) != 2 {
		t.Fatal("a failed write left a trace")
	}
	expect(t, e.get("/v1/configs/models/n/e"), 200, docNE)
	if storeWrites(e, "rollback", "success") != 3 || storeWrites(e, "write_model", "failure") != 2 || storeWrites(e, "delete_model", "failure") != 1 {
		t.Fatal("store write metrics")
	}
	failing.Store(false)
	expectContains(t, e.del("n/e"), 200, `"deleted":true`, `"epoch":2}`)
	if storeWrites(e, "delete_model", "success") != 1 {
		t.Fatal("delete_model success not counted")
	}
}

// TestStoreRollbackFailure: when the rollback also fails, the epoch file
// stays at E+1 with no change behind it (harmless, §10.1 step 4), the
// client gets 503 and the served epoch stays E.
func TestStoreRollbackFailure(t *testing.T) {
	var epochWrites atomic.Int32
	hook := func(op, _ string) error {
		switch op {
		case local.OpModel:
			return errTest
		case local.OpEpoch:
			if epochWrites.Add(1) == 2 { // the rollback
				return errTest
			}
		}
		return nil
	}
	e := newEnv(t, options{store: true, failWrites: hook})
	expectStatus(t, e.post(docNE), 503)
	if e.storeFile("epoch") != "1" || e.epoch() != 0 || storeWrites(e, "rollback", "failure") != 1 {
		t.Fatalf("epoch file %q, served %d", e.storeFile("epoch"), e.epoch())
	}
}

// TestMaxPayloadPrecheck covers §3 B8: a payload above the NATS
// max_payload → 413 before any write.
func TestMaxPayloadPrecheck(t *testing.T) {
	pub := newFakePub()
	pub.maxPayload = 100
	e := newEnv(t, options{store: true, pub: pub, routerID: "sie-config-0"})
	want := fmt.Sprintf(`{"detail":{"error":"payload_too_large","message":"Config exceeds the NATS max_payload (%d > 100 bytes)."}}`, len(payloadNE))
	expect(t, e.post(docNE), 413, want)
	if e.storeHas("epoch") || e.storeHas("models/n__e.yaml") || e.epoch() != 0 || pub.attemptCount() != 0 {
		t.Fatal("a refused write left a trace")
	}
	pub.maxPayload = int64(len(payloadNE))
	expectStatus(t, e.post(docNE), 201) // exactly max_payload is fine
}

// TestBodySizeLimit: more than 1 MiB → 413 before parsing; exactly 1 MiB
// is read and parsed.
func TestBodySizeLimit(t *testing.T) {
	e := newEnv(t, options{})
	tooLarge := `{"detail":{"error":"payload_too_large","message":"Config body exceeds 1048576 bytes limit."}}`
	expect(t, e.post(strings.Repeat("#", 1<<20+1)), 413, tooLarge)
	expect(t, e.put("n/e", strings.Repeat("#", 1<<20+1)), 413, tooLarge)
	// Exactly the limit: a comment-only body, parsed as empty.
	expect(t, e.post(strings.Repeat("#", 1<<20)), 400, errNotMap)
	// A valid document padded to the limit.
	pad := docNE + "#" + strings.Repeat("x", 1<<20-len(docNE)-2) + "\n"
	if len(pad) != 1<<20 {
		t.Fatal(len(pad))
	}
	expectStatus(t, e.post(pad), 201)
	// Resolve shares the limit; its oversized body is not JSON.
	big := bytes.Repeat([]byte(" "), 1<<20+1)
	expectStatus(t, e.do("POST", "/v1/configs/resolve", string(big)), 413)
}

// TestEpochWrittenByAnotherWriter covers §8.4 on the local store: the
// epoch changed behind sie-config's back → 503 with the fixed message, and
// the write leaves no trace.
func TestEpochWrittenByAnotherWriter(t *testing.T) {
	e := newEnv(t, options{store: true})
	expectStatus(t, e.post(docNE), 201)
	// Another process replaces the epoch file (a new inode, new content).
	writeDir(t, e.storeDir, map[string]string{"epoch": "5"})
	expect(t, e.post(strings.Replace(docNE, "n/e", "n/f", 1)), 503,
		`{"detail":{"error":"store_unavailable","message":"Config store epoch was modified by another writer; sie-config must run as a single replica."}}`)
	if e.storeHas("models/n__f.yaml") || e.storeFile("epoch") != "5" || e.epoch() != 1 {
		t.Fatal("the refused write left a trace")
	}
}
