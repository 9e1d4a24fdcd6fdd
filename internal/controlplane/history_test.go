package controlplane

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/store/local"
	"github.com/sieproject/sie/internal/testkit"
)

func TestStateAt(t *testing.T) {
	doc := func(s string) []byte { return []byte(s) }
	created := []store.HistoryEntry{ // newest first
		{Epoch: 9, Op: store.OpDelete},
		{Epoch: 7, Op: store.OpReplace, RawYAML: doc("v2")},
		{Epoch: 4, Op: store.OpCreate, RawYAML: doc("v1")},
	}
	// A history that starts after the model already existed (written
	// before the store kept history).
	late := created[:2]
	for _, c := range []struct {
		name    string
		entries []store.HistoryEntry
		epoch   int64
		doc     string
		absent  bool
		known   bool
	}{
		{"after the delete", created, 9, "", true, true},
		{"between changes", created, 8, "v2", false, true},
		{"at a change", created, 7, "v2", false, true},
		{"at the create", created, 4, "v1", false, true},
		{"before the create", created, 3, "", true, true},
		{"at zero", created, 0, "", true, true},
		{"before a late history", late, 6, "", false, false},
		{"within a late history", late, 7, "v2", false, true},
		{"no history", nil, 5, "", false, false},
	} {
		d, absent, known := stateAt(c.entries, c.epoch)
		if string(d) != c.doc || absent != c.absent || known != c.known {
			t.Errorf("%s: got %q absent=%v known=%v", c.name, d, absent, known)
		}
	}
}

// A journal that cannot be written does not fail the write (the change is
// durable already); the change is missing from the history and an error
// is logged.
func TestHistoryAppendFailureOnlyLogs(t *testing.T) {
	var fail bool
	st, err := local.Open(filepath.Join(t.TempDir(), "store"), local.Options{FailWrites: func(op, _ string) error {
		if fail && op == local.OpHistory {
			return errors.New("disk on fire")
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	var logs testkit.Logs
	bundles := []*catalog.Bundle{{Name: "default", Priority: 10, Adapters: []string{"sie_server.adapters.bert_flash"}}}
	s := New(Config{Snapshot: catalog.NewSnapshot(bundles, nil, nil), Store: st, RouterID: "r", Log: logs.Logger()})
	t.Cleanup(s.Close)
	post(t, s, "m", "a")
	fail = true
	post(t, s, "m", "b")
	fail = false
	post(t, s, "m", "c")
	_, entries, err := s.History(context.Background(), "m", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Op)
	}
	if strings.Join(got, " ") != "append create" || entries[0].Epoch != 3 || entries[1].Epoch != 1 {
		t.Fatalf("history: %+v", entries)
	}
	if !strings.Contains(logs.String(), "history append failed") {
		t.Fatalf("no error logged:\n%s", logs.String())
	}
}
