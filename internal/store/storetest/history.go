package storetest

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/store"
)

// RunHistory checks a backend's store.Historian (extensions E8): entries
// read back exactly, newest first, per exact id, with limits; a deleted
// model's history stays readable; another instance on the same base (a
// restart, or a second replica) reads them too; and the model and epoch
// objects are untouched by it. Each subtest gets a fresh base.
func RunHistory(t *testing.T, newHarness NewHarness) {
	t.Run("RoundTrip", func(t *testing.T) { testHistoryRoundTrip(t, newHarness(t)) })
	t.Run("Limits", func(t *testing.T) { testHistoryLimits(t, newHarness(t)) })
	t.Run("SharedBase", func(t *testing.T) { testHistoryShared(t, newHarness(t)) })
	t.Run("LayoutUntouched", func(t *testing.T) { testHistoryLayout(t, newHarness(t)) })
}

// HistoryEntryFor builds a valid entry for tests: a document unless op is
// a delete, a time with milliseconds, a token id on even epochs.
func HistoryEntryFor(epoch int64, id, op string) store.HistoryEntry {
	e := store.HistoryEntry{Epoch: epoch, ModelID: id, Op: op,
		At: time.Date(2026, 12, 7, 4, 0, 0, 0, time.UTC).Add(time.Duration(epoch) * 1001 * time.Millisecond)}
	if epoch%2 == 0 {
		e.TokenID = "0123456789ab"
	}
	if op != store.OpDelete {
		e.RawYAML = []byte(fmt.Sprintf("sie_id: %s\n# \"epoch\" %d: ünïcode <&>\nprofiles:\n  default: {}\n", id, epoch))
	}
	return e
}

func historian(t *testing.T, s store.Store) store.Historian {
	t.Helper()
	h, ok := s.(store.Historian)
	if !ok {
		t.Fatalf("%T is not a store.Historian", s)
	}
	return h
}

// ExpectHistory reads id's history with limit and compares it with want
// (newest first), field by field.
func ExpectHistory(t *testing.T, h store.Historian, id string, limit int, want ...store.HistoryEntry) {
	t.Helper()
	got, err := h.History(context.Background(), id, limit)
	if err != nil {
		t.Fatalf("History(%q, %d): %v", id, limit, err)
	}
	if got == nil {
		t.Fatalf("History(%q, %d) = nil, want a (possibly empty) slice", id, limit)
	}
	if len(got) != len(want) {
		t.Fatalf("History(%q, %d): %d entries, want %d: %+v", id, limit, len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Epoch != w.Epoch || g.ModelID != w.ModelID || g.Op != w.Op || g.TokenID != w.TokenID ||
			!g.At.Equal(w.At) || g.At.Location() != time.UTC ||
			!bytes.Equal(g.RawYAML, w.RawYAML) || (g.RawYAML == nil) != (w.RawYAML == nil) {
			t.Fatalf("History(%q, %d)[%d] = %+v, want %+v", id, limit, i, g, w)
		}
	}
}

func testHistoryRoundTrip(t *testing.T, h Harness) {
	ctx := context.Background()
	hs := historian(t, h.open(t))
	ExpectHistory(t, hs, "org/m", 0)
	e1 := HistoryEntryFor(1, "org/m", store.OpCreate)
	e2 := HistoryEntryFor(2, "other", store.OpCreate)
	e3 := HistoryEntryFor(3, "org/m", store.OpAppend)
	e4 := HistoryEntryFor(4, "org/m", store.OpReplace)
	e5 := HistoryEntryFor(5, "org/m", store.OpDelete)
	mustNil(t, hs.AppendHistory(ctx, e1), "AppendHistory")
	mustNil(t, hs.AppendHistory(ctx, e2, e3), "AppendHistory (group)")
	mustNil(t, hs.AppendHistory(ctx, e4), "AppendHistory")
	mustNil(t, hs.AppendHistory(ctx, e5), "AppendHistory (delete)")
	ExpectHistory(t, hs, "org/m", 0, e5, e4, e3, e1)
	ExpectHistory(t, hs, "other", 0, e2)
	ExpectHistory(t, hs, "ORG/M", 0)
	ExpectHistory(t, hs, "org", 0)
	// A restart reads the same.
	ExpectHistory(t, historian(t, h.open(t)), "org/m", 0, e5, e4, e3, e1)
}

func testHistoryLimits(t *testing.T, h Harness) {
	ctx := context.Background()
	hs := historian(t, h.open(t))
	var all []store.HistoryEntry
	for e := int64(1); e <= 7; e++ {
		op := store.OpReplace
		if e == 1 {
			op = store.OpCreate
		}
		en := HistoryEntryFor(e, "m", op)
		mustNil(t, hs.AppendHistory(ctx, en), "AppendHistory")
		all = append([]store.HistoryEntry{en}, all...)
	}
	ExpectHistory(t, hs, "m", 1, all[:1]...)
	ExpectHistory(t, hs, "m", 3, all[:3]...)
	ExpectHistory(t, hs, "m", 7, all...)
	ExpectHistory(t, hs, "m", 100, all...)
	ExpectHistory(t, hs, "m", -1, all...)
}

func testHistoryShared(t *testing.T, h Harness) {
	ctx := context.Background()
	a := historian(t, h.open(t))
	b := historian(t, h.open(t))
	e1 := HistoryEntryFor(1, "m", store.OpCreate)
	mustNil(t, a.AppendHistory(ctx, e1), "AppendHistory")
	ExpectHistory(t, b, "m", 0, e1)
}

func testHistoryLayout(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.open(t)
	doc := []byte("sie_id: m\n")
	mustNil(t, s.WriteModel(ctx, "m", doc), "WriteModel")
	mustNil(t, s.WriteEpoch(ctx, 1), "WriteEpoch")
	mustNil(t, historian(t, s).AppendHistory(ctx, HistoryEntryFor(1, "m", store.OpCreate)), "AppendHistory")
	expectObject(t, h, "models/m.yaml", doc)
	expectObject(t, h, "epoch", []byte("1"))
	expectList(t, s, []string{"m.yaml"})
}
