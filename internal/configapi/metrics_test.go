package configapi_test

// Metrics and audit details that need fault injection; the scrape-level
// rows (upstream #87–#97) run against the full server in
// internal/configserver.

import (
	"encoding/json"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sieproject/sie/internal/configapi"
	"github.com/sieproject/sie/internal/store/local"
)

// TestStoreFailureCounted covers upstream #98: a backend write error is
// counted as write_model/failure (and the request is a 503, not a 500).
func TestStoreFailureCounted(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	e := newEnv(t, options{store: true, failWrites: func(op, _ string) error {
		if fail.Load() && op == local.OpModel {
			return errTest
		}
		return nil
	}})
	expectStatus(t, e.post(docNE), 503)
	if storeWrites(e, "write_model", "failure") != 1 || storeWrites(e, "increment_epoch", "success") != 1 || storeWrites(e, "rollback", "success") != 1 {
		t.Fatal(e.get("/metrics").body)
	}
	fail.Store(false)
	expectStatus(t, e.post(docNE), 201)
	if storeWrites(e, "write_model", "success") != 1 || storeWrites(e, "increment_epoch", "success") != 2 {
		t.Fatal("success not counted")
	}
}

// TestAuditLog covers sie-config.md §1.4: one line per executed write,
// logger sie.audit at INFO, keys in order, null keys omitted.
func TestAuditLog(t *testing.T) {
	e := newEnv(t, options{models: seedOnly(), auth: configapi.Auth{Admin: tok("adm")}})
	h := bearerHdr("adm")
	expectStatus(t, e.post(docNE, h...), 201)
	expectStatus(t, e.put("n/e", docNE, h...), 200)
	expectStatus(t, e.del("n/e", h...), 200)
	expectStatus(t, e.post("bad", h...), 400)                                 // errors are not audited
	expectStatus(t, e.post(docNE, append(h, "Idempotency-Key", "k")...), 201) // executed: audited
	expectStatus(t, e.post(docNE, append(h, "Idempotency-Key", "k")...), 201) // replay: not audited
	lines := strings.Split(strings.TrimSpace(e.audit.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d audit lines:\n%s", len(lines), e.audit.String())
	}
	// token_id = first 12 hex of sha256("adm").
	re := regexp.MustCompile(`^\{"event":"(config\.[a-z_]+)","method":"([A-Z]+)","endpoint":"([^"]+)","status":(\d+),"token_id":"86f65e28a754","model":"n/e","latency_ms":\d+(\.\d{1,2})?,"body_bytes":(\d+)\}$`)
	want := []string{"config.add_model POST /v1/configs/models 201", "config.replace_model PUT /v1/configs/models/n/e 200", "config.delete_model DELETE /v1/configs/models/n/e 200", "config.add_model POST /v1/configs/models 201"}
	for i, line := range lines {
		var rec struct {
			Level  string `json:"level"`
			Msg    string `json:"msg"`
			Logger string `json:"logger"`
		}
		must(t, json.Unmarshal([]byte(line), &rec))
		m := re.FindStringSubmatch(rec.Msg)
		if rec.Level != "INFO" || rec.Logger != "sie.audit" || m == nil {
			t.Fatalf("audit line %d: %s", i, line)
		}
		if got := m[1] + " " + m[2] + " " + m[3] + " " + m[4]; got != want[i] {
			t.Fatalf("audit line %d: %s, want %s", i, got, want[i])
		}
	}
	if !strings.Contains(lines[2], `\"body_bytes\":0}`) {
		t.Fatalf("DELETE body_bytes: %s", lines[2])
	}
}
