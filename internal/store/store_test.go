package store

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestParseLocation(t *testing.T) {
	cases := []struct {
		raw  string
		want Location
	}{
		{"/data", Location{Path: "/data"}},
		{"/data///", Location{Path: "/data"}},
		{"rel/dir/", Location{Path: "rel/dir"}},
		{"/", Location{Path: "/"}},
		{"S3://b/p", Location{Path: "S3://b/p"}},
		{"s3://b", Location{Scheme: SchemeS3, Bucket: "b"}},
		{"s3://b/", Location{Scheme: SchemeS3, Bucket: "b"}},
		{"s3://b/team/sie/", Location{Scheme: SchemeS3, Bucket: "b", Prefix: "team/sie"}},
		{"gs://b/p", Location{Scheme: SchemeGCS, Bucket: "b", Prefix: "p"}},
	}
	for _, c := range cases {
		got, err := ParseLocation(c.raw)
		if err != nil || got != c.want {
			t.Errorf("ParseLocation(%q) = %+v, %v; want %+v", c.raw, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "s3://", "s3:///p", "gs://"} {
		if _, err := ParseLocation(bad); err == nil {
			t.Errorf("ParseLocation(%q) succeeded", bad)
		}
	}
}

func TestKey(t *testing.T) {
	if got := (Location{}).Key("models/a.yaml"); got != "models/a.yaml" {
		t.Fatal(got)
	}
	if got := (Location{Prefix: "p/q"}).Key("epoch"); got != "p/q/epoch" {
		t.Fatal(got)
	}
}

func TestIsModelFile(t *testing.T) {
	for name, want := range map[string]bool{
		"a.yaml": true, "org__m.yaml": true, ".yaml": false, ".a.yaml": false,
		"a.yml": false, "a.yaml.tmp": false, "sub/a.yaml": false, "": false,
	} {
		if got := IsModelFile(name); got != want {
			t.Errorf("IsModelFile(%q) = %v", name, got)
		}
	}
}

func TestEpochConflictError(t *testing.T) {
	cause := errors.New("412")
	err := fmt.Errorf("wrapped: %w", EpochConflict(cause))
	if !errors.Is(err, ErrEpochConflict) || !errors.Is(err, cause) {
		t.Fatalf("%v does not match both the conflict and its cause", err)
	}
	if EpochConflict(cause).Error() != "Config store epoch was modified by another writer; sie-config must run as a single replica." {
		t.Fatal("message changed")
	}
	if EpochConflict(nil) != ErrEpochConflict {
		t.Fatal("nil cause")
	}
}

func TestFormatEpoch(t *testing.T) {
	if got := string(FormatEpoch(120)); got != "120" {
		t.Fatal(got)
	}
}

func TestReasonHidesPaths(t *testing.T) {
	pathErr := &os.PathError{Op: "open", Path: "/secret/base/models/a.yaml", Err: syscall.ENOSPC}
	if got := Reason(fmt.Errorf("local store: write models/a.yaml: %w", pathErr)); got != "no space left on device" {
		t.Fatalf("%q", got)
	}
	if got := Reason(errors.New("s3://bucket/prefix/epoch: boom")); strings.Contains(got, "bucket") {
		t.Fatalf("%q", got)
	}
	if got := Reason(EpochConflict(errors.New("412"))); got != EpochConflictMessage {
		t.Fatalf("%q", got)
	}
}
