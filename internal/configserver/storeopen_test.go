package configserver_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sieproject/sie/internal/store"
)

// Each URL form opens its backend (all three are linked into the tests).
func TestOpenDispatches(t *testing.T) {
	// Neither cloud client contacts anything at construction; these keep
	// them off real credentials all the same.
	t.Setenv("STORAGE_EMULATOR_HOST", "127.0.0.1:1")
	t.Setenv("AWS_ACCESS_KEY_ID", "x")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "x")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	dir := filepath.Join(t.TempDir(), "base")
	cases := []struct{ url, want string }{
		{dir + "//", "local:" + dir},
		{"s3://bucket", "s3://bucket"},
		{"s3://bucket/", "s3://bucket"},
		{"s3://bucket/a/b/", "s3://bucket/a/b"},
		{"gs://bucket/p//", "gs://bucket/p"},
	}
	for _, c := range cases {
		s, err := store.Open(context.Background(), c.url, store.OpenOptions{})
		if err != nil {
			t.Fatalf("Open(%q): %v", c.url, err)
		}
		if got := s.Describe(); got != c.want {
			t.Errorf("Open(%q).Describe() = %q, want %q", c.url, got, c.want)
		}
		_ = s.Close()
	}
	for _, bad := range []string{"", "s3://", "gs:///x"} {
		if _, err := store.Open(context.Background(), bad, store.OpenOptions{}); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
}

func TestFileName(t *testing.T) {
	if got := store.FileName("BAAI/bge-m3"); got != "BAAI__bge-m3.yaml" {
		t.Fatalf("FileName = %q", got)
	}
	if got := store.FileName("a/b/c"); got != "a__b__c.yaml" {
		t.Fatalf("FileName = %q", got)
	}
}
