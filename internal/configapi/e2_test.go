package configapi_test

// E2: dry run, ETag / If-Match / If-None-Match, export ETag and 304, and the
// /epoch long-poll.

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/controlplane"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/workerview"
)

// stubView is the E1 worker view of the test documents (no tasks).
const stubView = `{"form":"stub","reasons":["no 'tasks' mapping: workers hold a stub without outputs and reject inference for this model"]}`

// dryRunTail is what a dry run adds after "epoch".
func dryRunTail(hashes string) string {
	return `,"bundle_config_hashes":` + hashes + `,"dry_run":true}`
}

// realBodyOf strips a dry run's tail, for comparison with the real write.
func realBodyOf(t *testing.T, dry string) string {
	t.Helper()
	i := strings.Index(dry, `,"bundle_config_hashes":`)
	if i < 0 || !strings.HasSuffix(dry, `,"dry_run":true}`) {
		t.Fatalf("not a dry-run body: %s", dry)
	}
	return dry[:i] + "}"
}

// noTrace checks that nothing observable changed since a snapshot of the
// store, the epoch and the publishes.
type trace struct {
	epoch   int64
	storeEp string
	files   string
	msgs    int
	export  string
}

func (e *env) trace(pub *fakePub) trace {
	e.t.Helper()
	tr := trace{epoch: e.svc.Epoch(), storeEp: e.storeFile("epoch"), files: e.storeFile("models/n__e.yaml") + "|" + e.storeFile("models/new__model.yaml")}
	if pub != nil {
		tr.msgs = len(pub.messages())
	}
	body := e.get("/v1/configs/export").body
	tr.export = body[strings.Index(body, `"models"`):] // generated_at differs
	return tr
}

func TestDryRunPostIsTheRealAnswerWithoutEffects(t *testing.T) {
	pub := newFakePub()
	e := newEnv(t, options{bundles: withSGLang(), store: true, pub: pub, routerID: "r"})
	before := e.trace(pub)
	dry := e.do("POST", "/v1/configs/models?dry_run=true", newModel, "Idempotency-Key", "k1")
	expectStatus(t, dry, 201)
	if got := strings.Join(jsonKeys(t, dry.body), ","); got != "model_id,created_profiles,existing_profiles_skipped,warnings,routable_bundles_by_profile,router_id,epoch,worker_view,bundle_config_hashes,dry_run" {
		t.Fatalf("dry-run keys %s", got)
	}
	if !strings.Contains(dry.body, `"epoch":0,`) {
		t.Fatalf("dry run must report the current epoch: %s", dry.body)
	}
	if after := e.trace(pub); after != before {
		t.Fatalf("dry run left a trace: %+v → %+v", before, after)
	}
	if !strings.Contains(e.audit.String(), `\"dry_run\":true`) {
		t.Fatalf("no dry-run audit line: %s", e.audit.String())
	}
	// The same Idempotency-Key on the real write executes it: the dry run
	// did not touch the cache.
	real := e.post(newModel, "Idempotency-Key", "k1")
	expectStatus(t, real, 201)
	if want := strings.Replace(realBodyOf(t, dry.body), `"epoch":0,`, `"epoch":1,`, 1); real.body != want {
		t.Fatalf("real answer differs from the dry run's:\n real %s\n dry  %s", real.body, want)
	}
	// The predicted worker-side hash is the one workers report after the write.
	want := workerview.ExpectedHash(e.svc.Snapshot(), "default")
	if want == "" || !strings.HasSuffix(dry.body, dryRunTail(`{"default":"`+want+`"}`)) {
		t.Fatalf("bundle_config_hashes: %s, want default %s", dry.body, want)
	}
	// A dry run of the replay answers 200 and the current epoch.
	expect(t, e.do("POST", "/v1/configs/models?dry_run=1", newModel), 200,
		`{"model_id":"new/model","created_profiles":[],"existing_profiles_skipped":["default"],"warnings":[],"routable_bundles_by_profile":{},"router_id":"r","epoch":1,"worker_view":`+stubView+dryRunTail(`{"default":"`+want+`"}`))
}

func TestDryRunErrorsAreTheRealErrors(t *testing.T) {
	e := newEnv(t, options{bundles: withSGLang(), store: true})
	expectStatus(t, e.post(newModel), 201)
	cases := []struct{ method, path, body string }{
		{"POST", "/v1/configs/models", strings.Replace(newModel, "max_batch_tokens: 1", "max_batch_tokens: 2", 1)}, // 422
		{"POST", "/v1/configs/models", newModel + "    revision: main\n"},                                          // 409
		{"POST", "/v1/configs/models", "sie_id: x\nprofiles:\n  p:\n    adapter_path: nowhere:X\n"},                // 422
		{"POST", "/v1/configs/models", "a: [\n"},                                                                   // 400
		{"PUT", "/v1/configs/models/other/id", newModel},                                                           // 422 mismatch
		{"PUT", "/v1/configs/models/../x", newModel},                                                               // 400
		{"DELETE", "/v1/configs/models/no/such", ""},                                                               // 404
	}
	for _, c := range cases {
		before := e.trace(nil)
		dry := e.do(c.method, c.path+"?dry_run=true", c.body)
		real := e.do(c.method, c.path, c.body)
		if dry.status != real.status || dry.body != real.body || dry.status < 400 {
			t.Fatalf("%s %s: dry %d %s, real %d %s", c.method, c.path, dry.status, dry.body, real.status, real.body)
		}
		if after := e.trace(nil); after != before {
			t.Fatalf("%s %s left a trace", c.method, c.path)
		}
	}
	expectContains(t, e.do("POST", "/v1/configs/models?dry_run=yes", newModel), 400, `"error":"invalid_parameter"`)
}

func TestDryRunPutAndDelete(t *testing.T) {
	pub := newFakePub()
	e := newEnv(t, options{bundles: withSGLang(), store: true, pub: pub, routerID: "r"})
	expectStatus(t, e.post(newModel), 201)
	before := e.trace(pub)
	replaced := strings.Replace(newModel, "bert_flash:B", "sglang:S", 1)
	dry := e.do("PUT", "/v1/configs/models/new/model?dry_run=true", replaced)
	expectStatus(t, dry, 200)
	if !strings.HasPrefix(dry.body, `{"model_id":"new/model","created":false,"replaced":true,"unchanged":false,"affected_bundles":["sglang"],"warnings":[],"router_id":"r","epoch":1,"worker_view":`+stubView+`,"bundle_config_hashes":{"default":"","sglang":"`) {
		t.Fatalf("PUT dry run: %s", dry.body)
	}
	del := e.do("DELETE", "/v1/configs/models/new/model?dry_run=true", "")
	expect(t, del, 200, `{"model_id":"new/model","deleted":true,"unchanged":false,"fallback":null,"affected_bundles":["default"],"warnings":[],"router_id":"r","epoch":1`+dryRunTail(`{"default":""}`))
	if after := e.trace(pub); after != before {
		t.Fatalf("dry runs left a trace: %+v → %+v", before, after)
	}
	// The real PUT gives the dry run's answer with the next epoch.
	real := e.put("new/model", replaced)
	if want := strings.Replace(realBodyOf(t, dry.body), `"epoch":1,`, `"epoch":2,`, 1); real.body != want {
		t.Fatalf("real %s\nwant %s", real.body, want)
	}
}

func TestDryRunWhileNATSAndStoreAreDown(t *testing.T) {
	pub := newFakePub()
	pub.connected.Store(false)
	failing := func(op, name string) error { return errTest } // every store write fails
	e := newEnv(t, options{store: true, failWrites: failing, pub: pub, routerID: "r"})
	expect(t, e.post(newModel), 503, errNATS)
	expectStatus(t, e.do("POST", "/v1/configs/models?dry_run=true", newModel), 201)
	pub.connected.Store(true)
	expectContains(t, e.post(newModel), 503, "store_unavailable")
	expectStatus(t, e.do("POST", "/v1/configs/models?dry_run=true", newModel), 201)
	if e.epoch() != 0 || e.storeHas("models/new__model.yaml") || pub.attemptCount() != 0 {
		t.Fatal("a dry run left a trace")
	}
	// A store that could not be read at startup leaves the API layer
	// unknown: a dry run cannot predict anything and says so, like a write.
	e.svc.Block(errTest)
	expectContains(t, e.do("POST", "/v1/configs/models?dry_run=true", newModel), 503, "store_unavailable")
}

func TestETagAndPreconditions(t *testing.T) {
	e := newEnv(t, options{store: true})
	expectStatus(t, e.post(newModel), 201)
	got := e.get("/v1/configs/models/new/model")
	etag := got.header.Get("ETag")
	if etag != controlplane.ETag(got.body) || len(etag) != 34 {
		t.Fatalf("ETag %q for %q", etag, got.body)
	}
	expectStatus(t, e.get("/v1/configs/models/new/model", "If-None-Match", etag), 304)

	changed := newModel + "  second:\n    adapter_path: sie_server.adapters.bert_flash:C\n"
	stale := `"00000000000000000000000000000000"`
	want412 := `{"detail":{"error":"precondition_failed","model_id":"new/model","current_etag":` + jsonString(etag) + `,"message":"Model 'new/model' changed since it was read."}}`
	expect(t, e.put("new/model", changed, "If-Match", stale), 412, want412)
	expect(t, e.del("new/model", "If-Match", stale), 412, want412)
	expect(t, e.put("new/model", changed, "If-None-Match", "*"), 412, want412)
	if e.epoch() != 1 || e.storeFile("models/new__model.yaml") != newModel {
		t.Fatal("a 412 left a trace")
	}
	// If-Match: * on an unknown id is 412 (not 404), current_etag null.
	expect(t, e.del("no/such", "If-Match", "*"), 412, `{"detail":{"error":"precondition_failed","model_id":"no/such","current_etag":null,"message":"Model 'no/such' changed since it was read."}}`)
	expectStatus(t, e.put("no/such", strings.Replace(newModel, "new/model", "no/such", 1), "If-Match", "*"), 412)
	// The model-id rule comes first.
	expectContains(t, e.del("../x", "If-Match", stale), 400, "invalid_model_id")
	// Matching preconditions let the write through; a dry run honours them too.
	expectContains(t, e.do("PUT", "/v1/configs/models/new/model?dry_run=true", changed, "If-Match", stale), 412, "precondition_failed")
	expectContains(t, e.put("new/model", changed, "If-Match", `"x", `+etag), 200, `"replaced":true`)
	expectContains(t, e.put("fresh/one", strings.Replace(newModel, "new/model", "fresh/one", 1), "If-None-Match", "*"), 201, `"created":true`)
	next := e.get("/v1/configs/models/new/model").header.Get("ETag")
	if next == etag {
		t.Fatal("the ETag did not change with the document")
	}
	// A weak tag never matches If-Match.
	expectStatus(t, e.del("new/model", "If-Match", "W/"+next), 412)
	expectContains(t, e.del("new/model", "If-Match", next), 200, `"deleted":true`)
	// Idempotency comes before the precondition: a replay answers as cached.
	expectStatus(t, e.put("fresh/one", changed2("fresh/one"), "Idempotency-Key", "r1"), 200)
	expectStatus(t, e.put("fresh/one", changed2("fresh/one"), "Idempotency-Key", "r1", "If-Match", stale), 200)
}

func changed2(id string) string {
	return strings.Replace(newModel, "new/model", id, 1) + "  third:\n    adapter_path: sie_server.adapters.bert_flash:D\n"
}

func TestExportETag(t *testing.T) {
	e := newEnv(t, options{})
	r := e.get("/v1/configs/export")
	if r.status != 200 || r.header.Get("ETag") != `"e0"` {
		t.Fatalf("export: %d ETag %q", r.status, r.header.Get("ETag"))
	}
	nm := e.get("/v1/configs/export", "If-None-Match", `"e0"`)
	if nm.status != 304 || nm.body != "" {
		t.Fatalf("If-None-Match: %d %q", nm.status, nm.body)
	}
	expectStatus(t, e.post(newModel), 201)
	r = e.get("/v1/configs/export", "If-None-Match", `"e0"`)
	if r.status != 200 || r.header.Get("ETag") != `"e1"` || !strings.Contains(r.body, `"epoch":1`) {
		t.Fatalf("after a write: %d %q", r.status, r.header.Get("ETag"))
	}
}

func TestEpochLongPoll(t *testing.T) {
	e := newEnv(t, options{})
	hash := ""
	{
		var v struct {
			BundlesHash string `json:"bundles_hash"`
		}
		must(t, json.Unmarshal([]byte(e.get("/v1/configs/epoch").body), &v))
		hash = v.BundlesHash
	}
	// Already past: at once.
	expect(t, e.get("/v1/configs/epoch?after=-1&wait=30s"), 200, epochBody(0, hash))
	// Nothing happens: the wait elapses, then the current body.
	start := time.Now()
	expect(t, e.get("/v1/configs/epoch?after=0&wait=0.3"), 200, epochBody(0, hash))
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("answered after %v, before the wait", d)
	}
	// A write wakes the waiter long before its wait.
	done := make(chan response, 1)
	start = time.Now()
	go func() { done <- doURL(t, "GET", e.srv.URL+"/v1/configs/epoch?after=0&wait=50s", "") }()
	testkit.Eventually(t, 10*time.Second, "the long-poll waiting", func() bool { return e.svc.EpochWaiters() > 0 })
	select {
	case r := <-done:
		t.Fatalf("answered before any write: %d %s", r.status, r.body)
	default:
	}
	expectStatus(t, e.post(newModel), 201)
	r := <-done
	expect(t, r, 200, epochBody(1, hash))
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("the write did not wake the long-poll (%v)", d)
	}
	expectContains(t, e.get("/v1/configs/epoch?after=x"), 400, "invalid_parameter")
	expectContains(t, e.get("/v1/configs/epoch?after=1&wait=forever"), 400, "invalid_parameter")
}

func TestDryRunRefusesUnservableLikeTheRealWrite(t *testing.T) {
	strict := newEnv(t, options{store: true, requireServable: true})
	dry := strict.do("POST", "/v1/configs/models?dry_run=true", newModel)
	real := strict.post(newModel)
	if dry.status != 422 || dry.body != real.body {
		t.Fatalf("dry %d %s, real %d %s", dry.status, dry.body, real.status, real.body)
	}
	if strict.epoch() != 0 || strict.storeHas("models/new__model.yaml") {
		t.Fatal("refused writes left a trace")
	}
}
