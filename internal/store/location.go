package store

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
// characters are removed (§1.2). The scheme is recognised before the trim,
// so "s3://" is a cloud URL without a bucket (an error), not the local path
// "s3:". Schemes are case-sensitive, as upstream's, so "S3://x" is a path.
func ParseLocation(raw string) (Location, error) {
	if raw == "" {
		return Location{}, errors.New("store: empty location")
	}
	for _, s := range []struct {
		scheme string
		kind   Kind
	}{{"s3://", KindS3}, {"gs://", KindGCS}} {
		rest, ok := strings.CutPrefix(raw, s.scheme)
		if !ok {
			continue
		}
		bucket, prefix, _ := strings.Cut(strings.TrimRight(rest, "/"), "/")
		if bucket == "" {
			return Location{}, fmt.Errorf("store: %q has no bucket", raw)
		}
		return Location{Kind: s.kind, Bucket: bucket, Prefix: prefix}, nil
	}
	path := strings.TrimRight(raw, "/")
	if path == "" {
		// Only slashes: the root directory, not the current one.
		path = "/"
	}
	return Location{Kind: KindLocal, Path: path}, nil
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
