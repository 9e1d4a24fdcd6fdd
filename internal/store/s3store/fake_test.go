package s3store_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/store/s3store"
	"github.com/sieproject/sie/internal/store/storetest"
)

var ctx = context.Background()

const bucket = "bucket"

const accessDenied = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>1</RequestId></Error>`

// fakeS3 is gofakes3's in-memory backend behind a fault-injecting proxy.
// gofakes3 v1.2.0 evaluates If-Match / If-None-Match itself, atomically
// with the write (s3mem holds its lock across check and put), so no
// precondition shim is needed.
type fakeS3 struct {
	backend *s3mem.Backend
	faults  *storetest.Faults
	server  *httptest.Server
}

// newFakeS3 starts a fake with one bucket and points the SDK's default
// chain at it through the environment, the same way a deployment reaches
// MinIO. AWS_REGION is left empty to exercise the us-east-1 default.
func newFakeS3(t *testing.T) *fakeS3 {
	t.Helper()
	be := s3mem.New()
	if err := be.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	f := &fakeS3{backend: be}
	f.faults = &storetest.Faults{
		Next:       gofakes3.New(be).Server(),
		DenyStatus: 403,
		DenyType:   "application/xml",
		DenyBody:   accessDenied,
	}
	f.server = httptest.NewServer(f.faults)
	t.Cleanup(f.server.Close)
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL":            f.server.URL,
		"AWS_ENDPOINT_URL_S3":         "",
		"AWS_ACCESS_KEY_ID":           "test",
		"AWS_SECRET_ACCESS_KEY":       "test",
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  "",
		"AWS_DEFAULT_REGION":          "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             t.TempDir() + "/none",
		"AWS_SHARED_CREDENTIALS_FILE": t.TempDir() + "/none",
		"AWS_EC2_METADATA_DISABLED":   "true",
		// One attempt keeps failure tests fast; retries are the SDK's.
		"AWS_MAX_ATTEMPTS": "1",
	} {
		t.Setenv(k, v)
	}
	return f
}

func (f *fakeS3) open(t *testing.T, prefix string, logger *slog.Logger) *s3store.Store {
	t.Helper()
	s, err := s3store.New(ctx, bucket, prefix, s3store.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fakeS3) put(t *testing.T, key string, data []byte) {
	t.Helper()
	if _, err := f.backend.PutObject(bucket, key, map[string]string{}, bytes.NewReader(data), int64(len(data)), nil); err != nil {
		t.Fatal(err)
	}
}

func (f *fakeS3) get(t *testing.T, key string) ([]byte, bool) {
	t.Helper()
	obj, err := f.backend.GetObject(bucket, key, nil)
	if gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchKey) {
		return nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Contents.Close()
	data, err := io.ReadAll(obj.Contents)
	if err != nil {
		t.Fatal(err)
	}
	return data, true
}

func harness(prefix string) storetest.NewHarness {
	key := func(rel string) string { return store.Location{Prefix: prefix}.Key(rel) }
	return func(t *testing.T) storetest.Harness {
		f := newFakeS3(t)
		return storetest.Harness{
			Open: func(t *testing.T, logger *slog.Logger) store.Store { return f.open(t, prefix, logger) },
			Put:  func(t *testing.T, rel string, data []byte) { f.put(t, key(rel), data) },
			Get:  func(t *testing.T, rel string) ([]byte, bool) { return f.get(t, key(rel)) },
		}
	}
}

func TestConformanceNoPrefix(t *testing.T)   { storetest.Run(t, harness("")) }
func TestConformanceWithPrefix(t *testing.T) { storetest.Run(t, harness("team/sie")) }
