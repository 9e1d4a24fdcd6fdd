package gcsstore_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/fsouza/fake-gcs-server/fakestorage"

	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/store/gcsstore"
	"github.com/sieproject/sie/internal/store/storetest"
)

var ctx = context.Background()

const bucket = "bucket"

const forbidden = `{"error":{"code":403,"message":"denied","errors":[{"reason":"forbidden","message":"denied"}]}}`

// fakeGCS is fake-gcs-server (which enforces ifGenerationMatch itself,
// atomically in its memory backend) behind a fault-injecting proxy, served
// over plain HTTP and reached through STORAGE_EMULATOR_HOST.
type fakeGCS struct {
	gcs    *fakestorage.Server
	faults *storetest.Faults
	server *httptest.Server
}

func newFakeGCS(t *testing.T) *fakeGCS {
	t.Helper()
	f := &fakeGCS{faults: &storetest.Faults{
		DenyStatus: 403,
		DenyType:   "application/json",
		DenyBody:   forbidden,
	}}
	f.server = httptest.NewServer(f.faults)
	t.Cleanup(f.server.Close)
	u, err := url.Parse(f.server.URL)
	if err != nil {
		t.Fatal(err)
	}
	// The client reads objects through the XML API at http://host/bucket/key;
	// the fake routes that path style only for its public host.
	gcs, err := fakestorage.NewServerWithOptions(fakestorage.Options{
		NoListener: true,
		PublicHost: u.Host,
		Writer:     io.Discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gcs.Stop)
	gcs.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: bucket})
	f.gcs = gcs
	f.faults.Next = gcs.HTTPHandler()
	t.Setenv("STORAGE_EMULATOR_HOST", u.Host)
	return f
}

func (f *fakeGCS) open(t *testing.T, prefix string, logger *slog.Logger) *gcsstore.Store {
	t.Helper()
	s, err := gcsstore.New(ctx, bucket, prefix, gcsstore.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fakeGCS) put(t *testing.T, key string, data []byte) {
	t.Helper()
	f.gcs.CreateObject(fakestorage.Object{
		ObjectAttrs: fakestorage.ObjectAttrs{BucketName: bucket, Name: key},
		Content:     data,
	})
}

func (f *fakeGCS) get(t *testing.T, key string) ([]byte, bool) {
	t.Helper()
	obj, err := f.gcs.GetObject(bucket, key)
	if err != nil {
		return nil, false
	}
	return obj.Content, true
}

func harness(prefix string) storetest.NewHarness {
	key := func(rel string) string { return store.Location{Prefix: prefix}.Key(rel) }
	return func(t *testing.T) storetest.Harness {
		f := newFakeGCS(t)
		return storetest.Harness{
			Open: func(t *testing.T, logger *slog.Logger) store.Store { return f.open(t, prefix, logger) },
			Put:  func(t *testing.T, rel string, data []byte) { f.put(t, key(rel), data) },
			Get:  func(t *testing.T, rel string) ([]byte, bool) { return f.get(t, key(rel)) },
		}
	}
}

func TestConformanceNoPrefix(t *testing.T)   { storetest.Run(t, harness("")) }
func TestConformanceWithPrefix(t *testing.T) { storetest.Run(t, harness("team/sie")) }
