package store

import (
	"errors"
	"fmt"
	"strings"
)

// Location is a parsed SIE_CONFIG_STORE_DIR value.
type Location struct {
	// Scheme selects the backend: "" for a local directory, else the URL
	// scheme ("s3", "gs", or one a linked backend registered).
	Scheme string
	// Path is the local base directory (Scheme "" only).
	Path string
	// Bucket and Prefix address objects: Bucket is the first segment after
	// "scheme://", Prefix the rest (trailing "/" removed), possibly empty.
	Bucket string
	Prefix string
}

// The documented URL schemes. They are URLs even in a binary that does not
// link their backend, so such a binary refuses them instead of taking them
// for a directory named "s3:".
const (
	SchemeS3  = "s3"
	SchemeGCS = "gs"
)

// ParseLocation parses a store URL: "s3://bucket[/prefix]",
// "gs://bucket[/prefix]", "scheme://bucket[/prefix]" for a scheme a linked
// backend registered, or anything else as a local path. Trailing "/"
// characters are removed (§1.2). The scheme is recognised before the trim,
// so "s3://" is a cloud URL without a bucket (an error), not the local path
// "s3:". Schemes are case-sensitive, as upstream's, so "S3://x" is a path.
func ParseLocation(raw string) (Location, error) {
	if raw == "" {
		return Location{}, errors.New("store: empty location")
	}
	if scheme, rest, ok := strings.Cut(raw, "://"); ok && isURLScheme(scheme) {
		bucket, prefix, _ := strings.Cut(strings.TrimRight(rest, "/"), "/")
		if bucket == "" {
			return Location{}, fmt.Errorf("store: %q has no bucket", raw)
		}
		return Location{Scheme: scheme, Bucket: bucket, Prefix: prefix}, nil
	}
	path := strings.TrimRight(raw, "/")
	if path == "" {
		// Only slashes: the root directory, not the current one.
		path = "/"
	}
	return Location{Path: path}, nil
}

// Key joins an object name onto the prefix with "/" (§8.1): with an empty
// prefix the name is used as is.
func (l Location) Key(name string) string {
	if l.Prefix == "" {
		return name
	}
	return l.Prefix + "/" + name
}

// String renders the location the way logs and Describe show it.
func (l Location) String() string {
	switch {
	case l.Scheme == "":
		return "local:" + l.Path
	case l.Prefix == "":
		return l.Scheme + "://" + l.Bucket
	}
	return l.Scheme + "://" + l.Bucket + "/" + l.Prefix
}
