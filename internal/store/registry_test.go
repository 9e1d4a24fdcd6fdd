package store

import (
	"context"
	"log/slog"
	"strings"
	"testing"
)

// A registered scheme parses as a URL and opens with its backend; a
// documented scheme without a linked backend is refused by name rather
// than taken for a directory.
func TestRegistry(t *testing.T) {
	var opened Location
	Register("mem-test", func(_ context.Context, loc Location, _ *slog.Logger) (Store, error) {
		opened = loc
		return nil, nil
	})
	t.Cleanup(func() {
		backendsMu.Lock()
		delete(backends, "mem-test")
		backendsMu.Unlock()
	})
	if _, err := Open(context.Background(), "mem-test://b/p/", nil); err != nil || opened != (Location{Scheme: "mem-test", Bucket: "b", Prefix: "p"}) {
		t.Fatalf("opened %+v, %v", opened, err)
	}
	if loc, _ := ParseLocation("other://b"); loc.Scheme != "" || loc.Path != "other://b" {
		t.Fatalf("an unknown scheme is a path: %+v", loc)
	}
	_, err := Open(context.Background(), "s3://bucket", nil)
	if err == nil || !strings.Contains(err.Error(), "no s3:// store backend") || !strings.Contains(err.Error(), "mem-test://") {
		t.Fatalf("unlinked s3: %v", err)
	}
	if _, err := Open(context.Background(), "/data", nil); err == nil || !strings.Contains(err.Error(), "no local directory store backend") {
		t.Fatalf("unlinked local: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("a second registration did not panic")
		}
	}()
	Register("mem-test", nil)
}
