package gcsstore_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/store/gcsstore"
	"github.com/sieproject/sie/internal/store/storetest"
)

func TestDescribe(t *testing.T) {
	f := newFakeGCS(t)
	if got := f.open(t, "team/sie", nil).Describe(); got != "gs://bucket/team/sie" {
		t.Fatalf("Describe = %q", got)
	}
	if got := f.open(t, "", nil).Describe(); got != "gs://bucket" {
		t.Fatalf("Describe = %q", got)
	}
}

func TestModelContentType(t *testing.T) {
	f := newFakeGCS(t)
	if err := f.open(t, "", nil).WriteModel(ctx, "org/m", []byte("sie_id: org/m\n")); err != nil {
		t.Fatal(err)
	}
	obj, err := f.gcs.GetObject(bucket, "models/org__m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if obj.ContentType != "application/x-yaml" {
		t.Fatalf("ContentType = %q", obj.ContentType)
	}
}

// expectAllFail checks that every operation reports an error, none of them
// reads as "missing", and the epoch write is not mistaken for a conflict.
func expectAllFail(t *testing.T, s store.Store) {
	t.Helper()
	if e, err := s.ReadEpoch(ctx); err == nil {
		t.Errorf("ReadEpoch = %d, nil; want an error", e)
	}
	if err := s.WriteEpoch(ctx, 1); err == nil || errors.Is(err, store.ErrEpochConflict) {
		t.Errorf("WriteEpoch: err = %v; want a plain error", err)
	}
	if _, err := s.ListModelFiles(ctx); err == nil {
		t.Error("ListModelFiles succeeded")
	}
	if _, err := s.ReadModelFile(ctx, "org__m.yaml"); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("ReadModelFile: err = %v; want a non-missing error", err)
	}
	if err := s.WriteModel(ctx, "org/m", []byte("x")); err == nil {
		t.Error("WriteModel succeeded")
	}
	if err := s.DeleteModel(ctx, "org/m"); err == nil {
		t.Error("DeleteModel succeeded")
	}
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping succeeded")
	}
}

func TestAccessDeniedIsAnError(t *testing.T) {
	f := newFakeGCS(t)
	f.put(t, "epoch", []byte("4"))
	f.put(t, "models/org__m.yaml", []byte("keep"))
	s := f.open(t, "", nil)
	f.faults.Set(storetest.Deny)
	expectAllFail(t, s)
	if got, _ := f.get(t, "models/org__m.yaml"); string(got) != "keep" {
		t.Fatalf("model changed to %q", got)
	}
}

func TestServerDownIsAnError(t *testing.T) {
	f := newFakeGCS(t)
	s := f.open(t, "", nil)
	f.server.Close()
	expectAllFail(t, s)
}

func TestMissingBucketIsNotEmpty(t *testing.T) {
	newFakeGCS(t)
	s, err := gcsstore.New(ctx, "no-such-bucket", "", gcsstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if e, err := s.ReadEpoch(ctx); err == nil {
		t.Fatalf("ReadEpoch on a missing bucket = %d, nil", e)
	}
	if err := s.Ping(ctx); err == nil {
		t.Fatal("Ping on a missing bucket succeeded")
	}
}

func TestDroppedUploadLeavesNothing(t *testing.T) {
	f := newFakeGCS(t)
	f.put(t, "models/org__m.yaml", []byte("old"))
	s := f.open(t, "", nil)
	if _, err := s.ReadEpoch(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteEpoch(ctx, 1); err != nil {
		t.Fatal(err)
	}
	f.faults.Match = func(r *http.Request) bool { return r.Method == http.MethodPost || r.Method == http.MethodPut }
	f.faults.Set(storetest.DropRequest)

	if err := s.WriteModel(ctx, "org/m", []byte("new content, long enough to be cut")); err == nil {
		t.Fatal("WriteModel succeeded")
	}
	if err := s.WriteModel(ctx, "org/n", []byte("brand new model file")); err == nil {
		t.Fatal("WriteModel succeeded")
	}
	if err := s.WriteEpoch(ctx, 2); err == nil || errors.Is(err, store.ErrEpochConflict) {
		t.Fatalf("WriteEpoch: err = %v; want a plain error", err)
	}
	if f.faults.Hits() == 0 {
		t.Fatal("no request was dropped")
	}
	if got, _ := f.get(t, "models/org__m.yaml"); string(got) != "old" {
		t.Fatalf("model = %q, want the old content", got)
	}
	if _, ok := f.get(t, "models/org__n.yaml"); ok {
		t.Fatal("a dropped upload created an object")
	}
	if got, _ := f.get(t, "epoch"); string(got) != "1" {
		t.Fatalf("epoch = %q", got)
	}
	// The failure did not move the baseline: once the server is back the
	// conditional write goes through.
	f.faults.Set(storetest.Pass)
	if err := s.WriteEpoch(ctx, 2); err != nil {
		t.Fatal(err)
	}
}

func TestTruncatedReadIsAnError(t *testing.T) {
	f := newFakeGCS(t)
	f.put(t, "epoch", []byte("12345"))
	f.put(t, "models/org__m.yaml", []byte("sie_id: org/m\n"))
	// The library resumes a cut download from where it stopped for as long
	// as the context allows, so here only the call timeout ends it.
	s, err := gcsstore.New(ctx, bucket, "", gcsstore.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f.faults.Match = func(r *http.Request) bool { return r.Method == http.MethodGet }
	f.faults.Set(storetest.TruncateResponse)
	if e, err := s.ReadEpoch(ctx); err == nil {
		t.Fatalf("ReadEpoch = %d, nil", e)
	}
	if data, err := s.ReadModelFile(ctx, "org__m.yaml"); err == nil {
		t.Fatalf("ReadModelFile = %q, nil", data)
	}
}
