package faulttest

import (
	"strings"
	"testing"
)

// TestOverlongModelID: an id longer than 200 bytes (the rule that keeps
// every store file name within 255 bytes) answers 400 invalid_model_id on
// every write, before any store access, and leaves no trace. (It used to
// reach the store and answer 503 store_unavailable naming the store's
// path.) The issue's ~240-byte id is one of the cases.
func TestOverlongModelID(t *testing.T) {
	w := newWorld(t, "longid", 1, 1)
	store := t.TempDir()
	proc := newConfigProc(t, configOptions{CatalogDir: w.catalog, StoreDir: store})
	proc.Start()
	// A first write creates the epoch file: a rollback rewrites it, and an
	// absent file and "0" mean the same (§8.2).
	mustWrite(t, w, proc.URL(), planCreate(w.owned[0][0]))
	before := fetchExport(t, proc.URL())
	storeBefore := dirDigest(t, store)
	want := `{"detail":{"error":"invalid_model_id","message":"Model ID is longer than 200 bytes."}}`
	for _, n := range []int{236, 300, 4000} {
		id := "org/" + strings.Repeat("a", n)
		for _, c := range []httpCase{
			{name: "POST", method: "POST", path: "/v1/configs/models", body: []byte("sie_id: " + id + "\n" + validProfile)},
			{name: "PUT", method: "PUT", path: modelPath(id), body: []byte("sie_id: " + id + "\n" + validProfile)},
			{name: "GET", method: "GET", path: modelPath(id)},
			{name: "DELETE", method: "DELETE", path: modelPath(id)},
		} {
			code, body := mustDo(t, proc.URL(), c.method, c.path, c.body)
			if code != 400 || string(body) != want {
				t.Errorf("%s %d-byte id: %d %s", c.name, len(id), code, tail(string(body), 200))
			}
			if strings.Contains(string(body), store) {
				t.Errorf("%s: the answer names the store path", c.name)
			}
		}
	}
	if after := fetchExport(t, proc.URL()); after.Epoch != before.Epoch || after.Models.digest() != before.Models.digest() {
		t.Errorf("the refused write left a trace: epoch %d → %d; %s", before.Epoch, after.Epoch, after.Models.diff(before.Models))
	}
	if got := dirDigest(t, store); got != storeBefore {
		t.Errorf("the store changed:\n%s\nwant\n%s", got, storeBefore)
	}
}
