package store

import (
	"context"
	"strings"
	"testing"
)

// A registered scheme parses as a URL and opens with its backend; a
// documented scheme without a linked backend is refused by name rather
// than taken for a directory.
func TestRegistry(t *testing.T) {
	var opened Location
	var setting string
	Register("mem-test", func(_ context.Context, loc Location, o OpenOptions) (Store, error) {
		opened, setting = loc, o.Env()("MEM_TEST_SETTING")
		return nil, nil
	})
	t.Cleanup(func() {
		backendsMu.Lock()
		delete(backends, "mem-test")
		backendsMu.Unlock()
	})
	env := func(k string) string { return map[string]string{"MEM_TEST_SETTING": "from the caller"}[k] }
	if _, err := Open(context.Background(), "mem-test://b/p/", OpenOptions{Getenv: env}); err != nil || opened != (Location{Scheme: "mem-test", Bucket: "b", Prefix: "p"}) {
		t.Fatalf("opened %+v, %v", opened, err)
	}
	if setting != "from the caller" {
		t.Fatalf("the backend read its setting from elsewhere than OpenOptions.Getenv: %q", setting)
	}
	if loc, _ := ParseLocation("other://b"); loc.Scheme != "" || loc.Path != "other://b" {
		t.Fatalf("an unknown scheme is a path: %+v", loc)
	}
	_, err := Open(context.Background(), "s3://bucket", OpenOptions{})
	if err == nil || !strings.Contains(err.Error(), "no s3:// store backend") || !strings.Contains(err.Error(), "mem-test://") {
		t.Fatalf("unlinked s3: %v", err)
	}
	if _, err := Open(context.Background(), "/data", OpenOptions{}); err == nil || !strings.Contains(err.Error(), "no local directory store backend") {
		t.Fatalf("unlinked local: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("a second registration did not panic")
		}
	}()
	Register("mem-test", nil)
}
