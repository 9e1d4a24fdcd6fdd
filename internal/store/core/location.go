package core

import (
	"errors"
	"fmt"
	"strings"
)

// Kind is the backend a store URL selects.
type Kind int

// The store kinds, one per URL form of SIE_CONFIG_STORE_DIR (§1.2).
const (
	KindLocal Kind = iota
	KindS3
	KindGCS
)

// Location is a parsed SIE_CONFIG_STORE_DIR value.
type Location struct {
	Kind Kind
	// Path is the local base directory (KindLocal only).
	Path string
	// Bucket and Prefix address cloud objects. Prefix is everything after
	// "bucket/" (trailing "/" removed) and may be empty.
	Bucket string
	Prefix string
}

// ParseLocation parses a store URL: "s3://bucket[/prefix]",
// "gs://bucket[/prefix]" or anything else as a local path. Trailing "/"
// characters are removed first (§1.2). The schemes are matched
// case-sensitively, as upstream does, so "S3://x" is a local path.
func ParseLocation(raw string) (Location, error) {
	if raw == "" {
		return Location{}, errors.New("store: empty location")
	}
	trimmed := strings.TrimRight(raw, "/")
	for _, s := range []struct {
		scheme string
		kind   Kind
	}{{"s3://", KindS3}, {"gs://", KindGCS}} {
		rest, ok := strings.CutPrefix(trimmed, s.scheme)
		if !ok {
			continue
		}
		bucket, prefix, _ := strings.Cut(rest, "/")
		if bucket == "" {
			return Location{}, fmt.Errorf("store: %q has no bucket", raw)
		}
		return Location{Kind: s.kind, Bucket: bucket, Prefix: prefix}, nil
	}
	if trimmed == "" {
		// Only slashes: the root directory, not the current one.
		trimmed = "/"
	}
	return Location{Kind: KindLocal, Path: trimmed}, nil
}

// Key joins a cloud object name onto the prefix with "/" (§8.1): with an
// empty prefix the name is used as is.
func (l Location) Key(name string) string {
	if l.Prefix == "" {
		return name
	}
	return l.Prefix + "/" + name
}

// String renders the location the way logs and Describe show it.
func (l Location) String() string {
	switch l.Kind {
	case KindS3, KindGCS:
		scheme := "s3://"
		if l.Kind == KindGCS {
			scheme = "gs://"
		}
		if l.Prefix == "" {
			return scheme + l.Bucket
		}
		return scheme + l.Bucket + "/" + l.Prefix
	default:
		return "local:" + l.Path
	}
}
