package configserver_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/sieproject/sie/internal/configserver"
	"github.com/sieproject/sie/internal/store/storetest"
	"github.com/sieproject/sie/internal/testkit"
)

// cloudFake is an S3- or GCS-compatible server behind a fault proxy, with
// the SDK environment pointing at it.
type cloudFake struct {
	url    string // the SIE_CONFIG_STORE_DIR value
	faults *storetest.Faults
}

func newS3Fake(t *testing.T) cloudFake {
	be := s3mem.New()
	if err := be.CreateBucket("bucket"); err != nil {
		t.Fatal(err)
	}
	f := &storetest.Faults{Next: gofakes3.New(be).Server(), DenyStatus: 503, DenyType: "application/xml",
		DenyBody: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>down</Message></Error>`}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": srv.URL, "AWS_ENDPOINT_URL_S3": "", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
		"AWS_SESSION_TOKEN": "", "AWS_REGION": "us-east-1", "AWS_PROFILE": "", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
		"AWS_MAX_ATTEMPTS": "1",
	} {
		t.Setenv(k, v)
	}
	return cloudFake{url: "s3://bucket/team/sie", faults: f}
}

func newGCSFake(t *testing.T) cloudFake {
	f := &storetest.Faults{DenyStatus: 503, DenyType: "application/json",
		DenyBody: `{"error":{"code":503,"message":"down","errors":[{"reason":"backendError","message":"down"}]}}`}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	gcs, err := fakestorage.NewServerWithOptions(fakestorage.Options{NoListener: true, PublicHost: u.Host, Writer: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gcs.Stop)
	gcs.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: "bucket"})
	f.Next = gcs.HTTPHandler()
	t.Setenv("STORAGE_EMULATOR_HOST", u.Host)
	return cloudFake{url: "gs://bucket/team/sie", faults: f}
}

func catalogDirs(t *testing.T) (bundles, models string) {
	dir := t.TempDir()
	bundles, models = filepath.Join(dir, "bundles"), filepath.Join(dir, "models")
	for _, d := range []string{bundles, models} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(bundles, "default.yaml"), "name: default\npriority: 10\nadapters:\n- sie_server.adapters.bert_flash\n")
	write(filepath.Join(models, "seed.yaml"), "sie_id: seed/model\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 8\n")
	return bundles, models
}

func startConfig(t *testing.T, storeURL, bundles, models string) *configserver.Server {
	t.Helper()
	srv, err := configserver.Start(context.Background(), configserver.Config{
		Host: "127.0.0.1", BundlesDir: bundles, ModelsDir: models, StoreURL: storeURL, Restore: true,
		RouterID: "test", LogLevel: 8, LogOutput: io.Discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func call(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

const appendBody = "sie_id: seed/model\nprofiles:\n  fast:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 16\n"
const newBody = "sie_id: org/new\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 1\n"

// The restart/restore test the local store has, on s3:// and gs:// through
// the real SDKs: writes survive a restart, the epoch continues, a store
// outage is a 503 that changes nothing, and a store that is down at startup
// fails readiness until it comes back.
func TestCloudStoreRestartRestoreAndOutage(t *testing.T) {
	for name, mk := range map[string]func(*testing.T) cloudFake{"s3": newS3Fake, "gcs": newGCSFake} {
		t.Run(name, func(t *testing.T) {
			fake := mk(t)
			bundles, models := catalogDirs(t)
			srv := startConfig(t, fake.url, bundles, models)
			if code, body := call(t, "POST", srv.URL()+"/v1/configs/models", newBody); code != 201 || !strings.Contains(body, `"epoch":1,"worker_view"`) {
				t.Fatalf("POST new: %d %s", code, body)
			}
			if code, body := call(t, "POST", srv.URL()+"/v1/configs/models", appendBody); code != 201 || !strings.Contains(body, `"epoch":2,"worker_view"`) {
				t.Fatalf("POST append: %d %s", code, body)
			}

			// Store down: the write is refused and leaves no trace.
			fake.faults.Set(storetest.Deny)
			code, body := call(t, "PUT", srv.URL()+"/v1/configs/models/org/new", strings.Replace(newBody, "max_batch_tokens: 1", "max_batch_tokens: 2", 1))
			if code != 503 || !strings.Contains(body, `"error":"store_unavailable"`) {
				t.Fatalf("PUT with the store down: %d %s", code, body)
			}
			fake.faults.Set(storetest.Pass)
			if _, body := call(t, "GET", srv.URL()+"/v1/configs/epoch", ""); !strings.HasPrefix(body, `{"epoch":2,`) {
				t.Fatalf("epoch after the failed write: %s", body)
			}
			if err := srv.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}

			// Restart with restore: documents (the seed's merged one included) and the epoch are back.
			srv = startConfig(t, fake.url, bundles, models)
			defer srv.Shutdown(context.Background())
			if _, body := call(t, "GET", srv.URL()+"/v1/configs/epoch", ""); !strings.HasPrefix(body, `{"epoch":2,`) {
				t.Fatalf("epoch after restart: %s", body)
			}
			if code, body := call(t, "GET", srv.URL()+"/v1/configs/models/org/new", ""); code != 200 || !strings.Contains(body, "max_batch_tokens: 1") {
				t.Fatalf("restored API model: %d %s", code, body)
			}
			if _, body := call(t, "GET", srv.URL()+"/v1/configs/models", ""); !strings.Contains(body, `{"model_id":"seed/model","profiles":["default","fast"],"source":"api"}`) {
				t.Fatalf("restored seed append lost profiles: %s", body)
			}
			if code, body := call(t, "POST", srv.URL()+"/v1/configs/models", strings.Replace(newBody, "org/new", "org/third", 1)); code != 201 || !strings.Contains(body, `"epoch":3,"worker_view"`) {
				t.Fatalf("POST after restart: %d %s", code, body)
			}
		})
	}
}

func TestCloudStoreDownAtStartup(t *testing.T) {
	fake := newS3Fake(t)
	bundles, models := catalogDirs(t)
	fake.faults.Set(storetest.Deny)
	srv := startConfig(t, fake.url, bundles, models)
	defer srv.Shutdown(context.Background())
	if code, _ := call(t, "GET", srv.URL()+"/healthz", ""); code != 200 {
		t.Fatal("/healthz must answer while the store is down")
	}
	if code, body := call(t, "GET", srv.URL()+"/readyz", ""); code != 503 {
		t.Fatalf("/readyz with the store down: %d %s", code, body)
	}
	if code, body := call(t, "POST", srv.URL()+"/v1/configs/models", newBody); code != 503 || !strings.Contains(body, "store_unavailable") {
		t.Fatalf("POST with the store down: %d %s", code, body)
	}
	fake.faults.Set(storetest.Pass)
	testkit.Eventually(t, 15*time.Second, "/readyz recovers after the store came back", func() bool {
		code, _ := call(t, "GET", srv.URL()+"/readyz", "")
		return code == 200
	})
	if code, body := call(t, "POST", srv.URL()+"/v1/configs/models", newBody); code != 201 || !strings.Contains(body, `"epoch":1,"worker_view"`) {
		t.Fatalf("POST after recovery: %d %s", code, body)
	}
}
