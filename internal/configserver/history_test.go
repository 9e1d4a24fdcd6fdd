package configserver_test

// Model history and rollback (extensions E8) on a real sie-config with a
// local store: the history of creates, appends, replaces and deletes, byte
// exact; rollback through the PUT and DELETE pipelines (new epoch,
// deltas, the gateway converging); refusals; restarts; a torn journal
// tail; object stores and no store answering 501.

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/store/journal"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/testkit/testcluster"
	"github.com/sieproject/sie/internal/yamldoc"
)

const (
	adminToken = "admin-secret"
	hmV1       = "sie_id: h/m\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 1\n"
	hmAppend   = "sie_id: h/m\nprofiles:\n  fast:\n    adapter_path: sie_server.adapters.bert_flash:F\n"
	hmV2       = hmV1 + "  fast:\n    adapter_path: sie_server.adapters.bert_flash:F\n"
	hmV3       = "sie_id: h/m\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 3\n"
)

var atField = regexp.MustCompile(`"at":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"`)

// historyBody normalises the "at" values (checked for their form and
// range) so a body can be compared byte for byte.
func historyBody(t *testing.T, body string, since time.Time) string {
	t.Helper()
	return atField.ReplaceAllStringFunc(body, func(m string) string {
		at, err := time.Parse(time.RFC3339, atField.FindStringSubmatch(m)[1])
		if err != nil || at.Before(since.Truncate(time.Millisecond)) || at.After(time.Now()) {
			t.Fatalf("at %s not within the test (%v)", m, err)
		}
		return `"at":"T"`
	})
}

func entryJSON(epoch, op, token, raw string) string {
	rawJSON := "null"
	if raw != "" {
		rawJSON = `"` + strings.ReplaceAll(raw, "\n", `\n`) + `"`
	}
	tok := "null"
	if token != "" {
		tok = `"` + token + `"`
	}
	return `{"epoch":` + epoch + `,"op":"` + op + `","at":"T","token_id":` + tok + `,"raw_yaml":` + rawJSON + `}`
}

func tokenIDOf(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])[:12]
}

func TestHistoryRecordsEveryChange(t *testing.T) {
	start := time.Now()
	l := newLayout(t, nil, map[string]string{"test__model.yaml": seedYAML})
	cfg := l.config()
	cfg.StoreURL, cfg.Restore = l.store, true
	admin := adminToken
	cfg.Auth.Admin = &admin
	in := boot(t, cfg)
	auth := []string{"Authorization", "Bearer " + adminToken}
	tid := tokenIDOf(adminToken)

	wantContains(t, in.do("POST", "/v1/configs/models", hmV1, auth...), 201, `"epoch":1,`)
	wantContains(t, in.do("POST", "/v1/configs/models", hmAppend, auth...), 201, `"epoch":2,`)
	wantContains(t, in.do("PUT", "/v1/configs/models/h/m", hmV3, auth...), 200, `"replaced":true`, `"epoch":3,`)
	// No change, no entry: an unchanged PUT, a dry run, a refused write.
	wantContains(t, in.do("PUT", "/v1/configs/models/h/m", hmV3, auth...), 200, `"unchanged":true`)
	wantContains(t, in.do("DELETE", "/v1/configs/models/h/m?dry_run=true", "", auth...), 200, `"dry_run":true`)
	wantContains(t, in.do("PUT", "/v1/configs/models/h/m", "sie_id: h/m\nprofiles: 7\n", auth...), 422)
	wantContains(t, in.do("DELETE", "/v1/configs/models/h/m", "", auth...), 200, `"deleted":true`, `"epoch":4}`)
	// A PUT over a seed creates its API document; the seed's DELETE reverts.
	seedPut := strings.Replace(seedYAML, "8192", "16", 1)
	wantContains(t, in.do("PUT", "/v1/configs/models/test/model", seedPut, auth...), 200, `"replaced":true`, `"epoch":5,`)

	wantHM := `{"model_id":"h/m","entries":[` + strings.Join([]string{
		entryJSON("4", "delete", tid, ""),
		entryJSON("3", "replace", tid, hmV3),
		entryJSON("2", "append", tid, hmV2),
		entryJSON("1", "create", tid, hmV1),
	}, ",") + `]}`
	r := in.do("GET", "/v1/configs/models/h/m/history", "", auth...)
	if r.status != 200 || historyBody(t, r.body, start) != wantHM || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("history of a deleted model:\n got %d %s\nwant %s", r.status, r.body, wantHM)
	}
	seedHist := `{"model_id":"test/model","entries":[` + entryJSON("5", "create", tid, strings.Replace(seedPut, "# comment\n", "", 1)) + `]}`
	if r := in.do("GET", "/v1/configs/models/test/model/history", "", auth...); historyBody(t, r.body, start) != seedHist {
		t.Fatalf("history over a seed:\n got %s\nwant %s", r.body, seedHist)
	}
	// Case-folded like GET: the model's own id is reported.
	if r := in.do("GET", "/v1/configs/models/TEST/Model/history", "", auth...); historyBody(t, r.body, start) != seedHist {
		t.Fatalf("case-folded history: %s", r.body)
	}
	r = in.do("GET", "/v1/configs/models/h/m/history?limit=2", "", auth...)
	if got := historyBody(t, r.body, start); got != `{"model_id":"h/m","entries":[`+entryJSON("4", "delete", tid, "")+","+entryJSON("3", "replace", tid, hmV3)+`]}` {
		t.Fatalf("limit=2: %s", got)
	}

	// Refusals: bad limits, bad ids, unknown models, auth.
	for _, q := range []string{"0", "-1", "x", "1.5", ""} {
		want(t, in.do("GET", "/v1/configs/models/h/m/history?limit="+q, "", auth...), 400,
			`{"detail":{"error":"invalid_parameter","message":"Query parameter limit must be a positive integer."}}`)
	}
	wantContains(t, in.do("GET", "/v1/configs/models/a__b/history", "", auth...), 400, `"invalid_model_id"`)
	want(t, in.do("GET", "/v1/configs/models/no/such/history", "", auth...), 404,
		`{"detail":{"error":"model_not_found","model_id":"no/such","message":"Model 'no/such' does not exist in the catalog."}}`)
	want(t, in.get("/v1/configs/models/h/m/history"), 401, `{"detail":"Missing Authorization header"}`)
	// A seed model without API changes has an empty history.
	l2 := newLayout(t, nil, map[string]string{"test__model.yaml": seedYAML})
	cfg2 := l2.config()
	cfg2.StoreURL = l2.store
	want(t, boot(t, cfg2).get("/v1/configs/models/test/model/history"), 200, `{"model_id":"test/model","entries":[]}`)

	// The journal sits beside models/, which keeps its exact layout.
	if got := fileText(t, filepath.Join(l.store, "epoch")); got != "5" {
		t.Fatalf("epoch file %q", got)
	}
	if got := fileText(t, filepath.Join(l.store, "models", "test__model.yaml")); got != strings.Replace(seedPut, "# comment\n", "", 1) {
		t.Fatalf("model file %q", got)
	}
	if _, err := os.Stat(filepath.Join(l.store, journal.FileName)); err != nil {
		t.Fatal(err)
	}

	// A restart keeps the history (restore or not).
	in.stop()
	for _, restore := range []bool{true, false} {
		cfg.Restore = restore
		again := boot(t, cfg)
		if r := again.do("GET", "/v1/configs/models/h/m/history", "", auth...); historyBody(t, r.body, start) != wantHM {
			t.Fatalf("history after a restart (restore %v): %s", restore, r.body)
		}
		again.stop()
	}
}

func TestRollbackThroughTheWritePipeline(t *testing.T) {
	catalog := t.TempDir()
	writeFiles(t, filepath.Join(catalog, "bundles"), map[string]string{"default.yaml": bundleDefaultYAML})
	writeFiles(t, filepath.Join(catalog, "models"), nil)
	c := testcluster.New(t, testcluster.Options{Catalog: catalog, StoreDir: filepath.Join(t.TempDir(), "store")})
	g := c.StartGateway(nil)
	gwURL := g.URL()
	do := func(method, path, body string, hdr ...string) reply {
		t.Helper()
		in := &instance{Server: c.Config, t: t, down: true}
		return in.do(method, path, body, hdr...)
	}
	expect := func(r reply, status int, wantBody string) {
		t.Helper()
		if r.status != status || (wantBody != "" && r.body != wantBody) {
			t.Fatalf("got %d %s\nwant %d %s", r.status, r.body, status, wantBody)
		}
	}
	sub := subscribe(t, c.NATSURL(), "sie.config.models._all")
	gatewayHas := func(epoch int64, doc string, status int) {
		t.Helper()
		testkit.Eventually(t, 10*time.Second, "the gateway converges", func() (bool, string) {
			code, _ := c.Do("GET", gwURL+"/v1/configs/models/h/m", "")
			mirror, held := int64(-1), ""
			if st := g.Mirror().Snapshot(); st != nil {
				mirror = int64(st.Epoch())
				if m := st.Exact("h/m"); m != nil {
					held = string(yamldoc.Emit(m.Doc()))
				}
			}
			ok := code == status && held == doc && mirror == epoch
			return ok, strconv.Itoa(code) + " " + held + " at epoch " + strconv.FormatInt(mirror, 10)
		})
	}
	nextDelta := func(epoch int64, doc string) {
		t.Helper()
		m := sub.next()
		if !strings.Contains(m.data, `"epoch":`+strconv.FormatInt(epoch, 10)+`,`) || !strings.Contains(m.data, strings.ReplaceAll(doc, "\n", `\n`)) {
			t.Fatalf("delta %s, want epoch %d with %q", m.data, epoch, doc)
		}
	}
	currentEpoch := func() string { return do("GET", "/v1/configs/epoch", "").body }

	expect(do("POST", "/v1/configs/models", hmV1), 201, "")
	expect(do("PUT", "/v1/configs/models/h/m", hmV3), 200, "")
	expect(do("DELETE", "/v1/configs/models/h/m", ""), 200, "")
	for e := int64(1); e <= 3; e++ {
		sub.next()
	}
	gatewayHas(3, "", 404)

	// Back to epoch 1: the PUT pipeline creates the model again, as a new
	// epoch, with the answer a PUT would give, and the gateway follows.
	before := currentEpoch()
	wantContains(t, do("POST", "/v1/configs/models/h/m/rollback?to_epoch=1&dry_run=true", ""), 201, `"created":true`, `"epoch":3,`, `"dry_run":true}`)
	if currentEpoch() != before {
		t.Fatal("a dry-run rollback changed the epoch")
	}
	putAnswer := `{"model_id":"h/m","created":true,"replaced":false,"unchanged":false,"affected_bundles":["default"],"warnings":[],"router_id":"sie-config-0","epoch":4,"worker_view":{"form":"stub","reasons":["no 'tasks' mapping: workers hold a stub without outputs and reject inference for this model"]}}`
	expect(do("POST", "/v1/configs/models/h/m/rollback?to_epoch=1", ""), 201, putAnswer)
	nextDelta(4, hmV1)
	gatewayHas(4, hmV1, 200)
	// Already as of epoch 4: unchanged, no epoch.
	wantContains(t, do("POST", "/v1/configs/models/h/m/rollback?to_epoch=4", ""), 200, `"unchanged":true`, `"epoch":4,`)
	// To the replaced document of epoch 2, under If-Match.
	etag := do("GET", "/v1/configs/models/h/m", "").header.Get("ETag")
	wantContains(t, do("POST", "/v1/configs/models/h/m/rollback?to_epoch=2", "", "If-Match", `"0123"`), 412, `"precondition_failed"`)
	wantContains(t, do("POST", "/v1/configs/models/h/m/rollback?to_epoch=2", "", "If-Match", etag), 200, `"replaced":true`, `"epoch":5,`)
	nextDelta(5, hmV3)
	gatewayHas(5, hmV3, 200)
	// To epoch 3, when it was deleted: the DELETE pipeline.
	expect(do("POST", "/v1/configs/models/h/m/rollback?to_epoch=3", ""), 200,
		`{"model_id":"h/m","deleted":true,"unchanged":false,"fallback":null,"affected_bundles":["default"],"warnings":[],"router_id":"sie-config-0","epoch":6}`)
	sub.next()
	gatewayHas(6, "", 404)
	// To epoch 0, before its creation: absent, and absent it is (a DELETE
	// of an unknown model).
	expect(do("POST", "/v1/configs/models/h/m/rollback?to_epoch=0", ""), 404,
		`{"detail":{"error":"model_not_found","model_id":"h/m","message":"Model 'h/m' does not exist in the catalog."}}`)

	// Unknown epochs and bad parameters change nothing.
	expect(do("POST", "/v1/configs/models/h/m/rollback?to_epoch=99", ""), 404,
		`{"detail":{"error":"epoch_not_found","model_id":"h/m","to_epoch":99,"current_epoch":6,"message":"Epoch 99 is after the current epoch 6."}}`)
	expect(do("POST", "/v1/configs/models/never/seen/rollback?to_epoch=2", ""), 404,
		`{"detail":{"error":"epoch_not_found","model_id":"never/seen","to_epoch":2,"current_epoch":6,"message":"The history of model 'never/seen' does not reach back to epoch 2."}}`)
	expect(do("POST", "/v1/configs/models/h/m/rollback", ""), 400,
		`{"detail":{"error":"invalid_parameter","message":"Query parameter to_epoch is required."}}`)
	for _, q := range []string{"-1", "x", "1.0", "", "99999999999999999999"} {
		expect(do("POST", "/v1/configs/models/h/m/rollback?to_epoch="+q, ""), 400,
			`{"detail":{"error":"invalid_parameter","message":"Query parameter to_epoch must be a non-negative integer."}}`)
	}
	wantContains(t, do("POST", "/v1/configs/models/a__b/rollback?to_epoch=1", ""), 400, `"invalid_model_id"`)
	wantContains(t, do("GET", "/v1/configs/models/h/m/rollback", ""), 404, `"model_not_found"`)
	if currentEpoch() != strings.Replace(before, `"epoch":3,`, `"epoch":6,`, 1) {
		t.Fatalf("epoch after the refusals: %s", currentEpoch())
	}

	// Idempotency: a retry replays; the same key to another epoch is refused.
	key := []string{"Idempotency-Key", "rb-1"}
	first := do("POST", "/v1/configs/models/h/m/rollback?to_epoch=1", "", key...)
	expect(first, 201, strings.Replace(putAnswer, `"epoch":4,`, `"epoch":7,`, 1))
	expect(do("POST", "/v1/configs/models/h/m/rollback?to_epoch=1", "", key...), 201, first.body)
	wantContains(t, do("POST", "/v1/configs/models/h/m/rollback?to_epoch=2", "", key...), 422, `"idempotency_mismatch"`)

	// The history shows the rollbacks as the writes they were.
	r := do("GET", "/v1/configs/models/h/m/history", "")
	ops := regexp.MustCompile(`"epoch":(\d+),"op":"(\w+)"`).FindAllStringSubmatch(r.body, -1)
	var got []string
	for _, m := range ops {
		got = append(got, m[1]+m[2])
	}
	if strings.Join(got, " ") != "7create 6delete 5replace 4create 3delete 2replace 1create" {
		t.Fatalf("history after rollbacks: %v", got)
	}
}

// A model whose own id ends in /history (valid since v0.3.1) is still
// read at its path, and other methods there reach the model route.
func TestModelNamedHistoryStaysReadable(t *testing.T) {
	l := newLayout(t, nil, nil)
	cfg := l.config()
	cfg.StoreURL = l.store
	in := boot(t, cfg)
	doc := strings.ReplaceAll(neYAML, "n/e", "x/history")
	wantContains(t, in.do("PUT", "/v1/configs/models/x/history", doc), 201)
	want(t, in.get("/v1/configs/models/x/history"), 200, doc)
	r := in.get("/v1/configs/models/x/history/history")
	if got := historyBody(t, r.body, time.Time{}); r.status != 200 || got != `{"model_id":"x/history","entries":[`+entryJSON("1", "create", "", doc)+`]}` {
		t.Fatalf("history of x/history: %d %s", r.status, r.body)
	}
}

// Stores without history (s3://, gs://, none) answer 501 to both routes
// and change nothing.
func TestHistoryUnavailableWithoutAHistorian(t *testing.T) {
	const body = `{"detail":{"error":"history_unavailable","message":"This sie-config keeps no model history: it needs a local directory or nats:// store (SIE_CONFIG_STORE_DIR)."}}`
	for name, mk := range map[string]func(*testing.T) cloudFake{
		"s3": newS3Fake, "gcs": newGCSFake, "none": func(*testing.T) cloudFake { return cloudFake{} },
	} {
		t.Run(name, func(t *testing.T) {
			fake := mk(t)
			bundles, models := catalogDirs(t)
			srv := startConfig(t, fake.url, bundles, models)
			t.Cleanup(func() { _ = srv.Shutdown(t.Context()) })
			if code, got := call(t, "POST", srv.URL()+"/v1/configs/models", newBody); code != 201 {
				t.Fatalf("POST: %d %s", code, got)
			}
			for _, req := range [][2]string{{"GET", "/v1/configs/models/org/new/history"}, {"POST", "/v1/configs/models/org/new/rollback?to_epoch=0"}} {
				if code, got := call(t, req[0], srv.URL()+req[1], ""); code != 501 || got != body {
					t.Fatalf("%s %s: %d %s", req[0], req[1], code, got)
				}
			}
			if _, got := call(t, "GET", srv.URL()+"/v1/configs/epoch", ""); !strings.HasPrefix(got, `{"epoch":1,`) {
				t.Fatalf("epoch: %s", got)
			}
		})
	}
}

// A crash in the middle of a journal append leaves a torn last record: the
// restart drops it (with a warning), keeps everything before it, and
// appends after it.
func TestHistorySurvivesATornJournalTail(t *testing.T) {
	l := newLayout(t, nil, nil)
	cfg := l.config()
	cfg.StoreURL, cfg.Restore = l.store, true
	in := boot(t, cfg)
	wantContains(t, in.postModel(hmV1), 201)
	wantContains(t, in.do("PUT", "/v1/configs/models/h/m", hmV3), 200)
	in.stop()
	path := filepath.Join(l.store, journal.FileName)
	whole := fileText(t, path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	check(t, err)
	_, err = f.WriteString(`1a2b3c4d {"epoch":3,"model_id":"h/m","op":"dele`)
	check(t, err)
	check(t, f.Close())

	again := boot(t, cfg)
	ops := func(in *instance) string {
		r := in.get("/v1/configs/models/h/m/history")
		var got []string
		for _, m := range regexp.MustCompile(`"epoch":(\d+),"op":"(\w+)"`).FindAllStringSubmatch(r.body, -1) {
			got = append(got, m[1]+m[2])
		}
		return strings.Join(got, " ")
	}
	if got := ops(again); got != "2replace 1create" {
		t.Fatalf("history after the torn tail: %s", got)
	}
	if !strings.Contains(again.logs.String(), "incomplete last record") {
		t.Fatalf("no warning about the torn record:\n%s", again.logs.String())
	}
	if fileText(t, path) != whole {
		t.Fatal("the torn record is still in the journal")
	}
	wantContains(t, again.do("DELETE", "/v1/configs/models/h/m", ""), 200, `"epoch":3}`)
	again.stop()
	if got := ops(boot(t, cfg)); got != "3delete 2replace 1create" {
		t.Fatalf("history after the next write and a restart: %s", got)
	}
}

// History reads need read auth; a rollback is a write and needs the admin
// token.
func TestHistoryAndRollbackAuth(t *testing.T) {
	l := newLayout(t, nil, nil)
	cfg := l.config()
	cfg.StoreURL = l.store
	admin, read := adminToken, "reader"
	cfg.Auth.Admin, cfg.Auth.Read = &admin, &read
	in := boot(t, cfg)
	wantContains(t, in.do("POST", "/v1/configs/models", hmV1, "Authorization", "Bearer "+admin), 201)
	want(t, in.get("/v1/configs/models/h/m/history"), 401, `{"detail":"Missing Authorization header"}`)
	want(t, in.do("GET", "/v1/configs/models/h/m/history", "", "Authorization", "Bearer nope"), 403, `{"detail":"Invalid token"}`)
	wantContains(t, in.do("GET", "/v1/configs/models/h/m/history", "", "Authorization", "Bearer "+read), 200, `"token_id":"`+tokenIDOf(admin)+`"`)
	want(t, in.do("POST", "/v1/configs/models/h/m/rollback?to_epoch=0", ""), 401, `{"detail":"Missing Authorization header"}`)
	want(t, in.do("POST", "/v1/configs/models/h/m/rollback?to_epoch=0", "", "Authorization", "Bearer "+read), 403, `{"detail":"Admin token required for config mutations"}`)
	wantContains(t, in.do("POST", "/v1/configs/models/h/m/rollback?to_epoch=0", "", "Authorization", "Bearer "+admin), 200, `"deleted":true`, `"epoch":2}`)
}
