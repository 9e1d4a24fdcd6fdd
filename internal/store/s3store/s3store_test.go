package s3store_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/store/s3store"
	"github.com/sieproject/sie/internal/store/storetest"
)

func TestDescribe(t *testing.T) {
	f := newFakeS3(t)
	if got := f.open(t, "team/sie", nil).Describe(); got != "s3://bucket/team/sie" {
		t.Fatalf("Describe = %q", got)
	}
	if got := f.open(t, "", nil).Describe(); got != "s3://bucket" {
		t.Fatalf("Describe = %q", got)
	}
}

func TestClientDefaults(t *testing.T) {
	newFakeS3(t)
	c, err := s3store.NewClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	o := c.Options()
	if o.Region != s3store.DefaultRegion || !o.UsePathStyle || o.BaseEndpoint == nil {
		t.Fatalf("region %q, path-style %v, endpoint %v", o.Region, o.UsePathStyle, o.BaseEndpoint)
	}
}

// AWS_ENDPOINT_URL_S3 beats AWS_ENDPOINT_URL (SDK behaviour we rely on).
func TestServiceSpecificEndpoint(t *testing.T) {
	f := newFakeS3(t)
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	t.Setenv("AWS_ENDPOINT_URL_S3", f.server.URL)
	s := f.open(t, "p", nil)
	if err := s.WriteModel(ctx, "org/m", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.get(t, "p/models/org__m.yaml"); !ok {
		t.Fatal("object not written through AWS_ENDPOINT_URL_S3")
	}
}

func TestModelContentType(t *testing.T) {
	f := newFakeS3(t)
	if err := f.open(t, "", nil).WriteModel(ctx, "org/m", []byte("sie_id: org/m\n")); err != nil {
		t.Fatal(err)
	}
	obj, err := f.backend.HeadObject(bucket, "models/org__m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if ct := obj.Metadata["Content-Type"]; ct != "application/x-yaml" {
		t.Fatalf("Content-Type = %q (metadata %v)", ct, obj.Metadata)
	}
}

func TestListPaginates(t *testing.T) {
	f := newFakeS3(t)
	for i := range 1005 {
		f.put(t, fmt.Sprintf("models/m%04d.yaml", i), nil)
	}
	names, err := f.open(t, "", nil).ListModelFiles(ctx)
	if err != nil || len(names) != 1005 || names[0] != "m0000.yaml" || names[1004] != "m1004.yaml" {
		t.Fatalf("ListModelFiles: %d names, %v", len(names), err)
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
	f := newFakeS3(t)
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
	f := newFakeS3(t)
	s := f.open(t, "", nil)
	f.server.Close()
	expectAllFail(t, s)
}

func TestMissingBucketIsNotEmpty(t *testing.T) {
	newFakeS3(t)
	s, err := s3store.New(ctx, "no-such-bucket", "", s3store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e, err := s.ReadEpoch(ctx); err == nil {
		t.Fatalf("ReadEpoch on a missing bucket = %d, nil", e)
	}
	if err := s.Ping(ctx); err == nil {
		t.Fatal("Ping on a missing bucket succeeded")
	}
}

func TestDroppedUploadLeavesNothing(t *testing.T) {
	f := newFakeS3(t)
	f.put(t, "models/org__m.yaml", []byte("old"))
	s := f.open(t, "", nil)
	if _, err := s.ReadEpoch(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteEpoch(ctx, 1); err != nil {
		t.Fatal(err)
	}
	f.faults.Match = func(r *http.Request) bool { return r.Method == http.MethodPut }
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
	f := newFakeS3(t)
	f.put(t, "epoch", []byte("12345"))
	f.put(t, "models/org__m.yaml", []byte("sie_id: org/m\n"))
	s := f.open(t, "", nil)
	f.faults.Match = func(r *http.Request) bool { return r.Method == http.MethodGet }
	f.faults.Set(storetest.TruncateResponse)
	if e, err := s.ReadEpoch(ctx); err == nil {
		t.Fatalf("ReadEpoch = %d, nil", e)
	}
	if data, err := s.ReadModelFile(ctx, "org__m.yaml"); err == nil {
		t.Fatalf("ReadModelFile = %q, nil", data)
	}
}
