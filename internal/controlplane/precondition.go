package controlplane

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/sieproject/sie/internal/catalog"
)

// ETag is the entity tag of a model document text, quoted: the first 32
// hex digits of its SHA-256. A model's GET sends it; PUT and DELETE compare
// If-Match / If-None-Match against it.
func ETag(text string) string {
	sum := sha256.Sum256([]byte(text))
	return `"` + hex.EncodeToString(sum[:])[:32] + `"`
}

// Precondition is the If-Match / If-None-Match of a write. A nil list means
// the header was absent; "*" matches any existing document.
type Precondition struct {
	IfMatch     []string
	IfNoneMatch []string
}

// ParseETagList splits an If-Match / If-None-Match value into its entity
// tags. Weak tags keep their W/ prefix, so they never match strongly; an
// unquoted tag is taken as if quoted (a forgiving reading of curl input).
func ParseETagList(header string) []string {
	out := []string{}
	for _, part := range strings.Split(header, ",") {
		t := strings.TrimSpace(part)
		switch {
		case t == "":
			continue
		case t == "*", strings.HasPrefix(t, "W/"):
		case !strings.HasPrefix(t, `"`):
			t = `"` + t + `"`
		}
		out = append(out, t)
	}
	return out
}

// check compares the precondition with the model's current document (nil
// when the model does not exist).
func (p Precondition) check(id string, current *catalog.Model) error {
	var etag string
	if current != nil {
		etag = ETag(current.Text())
	}
	if p.IfMatch != nil && !matchesAny(p.IfMatch, etag, current != nil, false) {
		return newPreconditionFailed(id, current, etag)
	}
	if p.IfNoneMatch != nil && matchesAny(p.IfNoneMatch, etag, current != nil, true) {
		return newPreconditionFailed(id, current, etag)
	}
	return nil
}

// matchesAny compares strongly (If-Match) or weakly (If-None-Match, where
// W/"x" matches "x"), as HTTP prescribes.
func matchesAny(tags []string, etag string, exists, weak bool) bool {
	if !exists {
		return false
	}
	for _, t := range tags {
		if weak {
			t = strings.TrimPrefix(t, "W/")
		}
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

func newPreconditionFailed(id string, current *catalog.Model, etag string) error {
	e := &PreconditionFailedError{ModelID: id}
	if current != nil {
		e.CurrentETag = &etag
	}
	return e
}

// PreconditionFailedError means If-Match / If-None-Match did not hold
// (HTTP 412); the write left no trace.
type PreconditionFailedError struct {
	ModelID     string
	CurrentETag *string // nil when the model does not exist
}

func (e *PreconditionFailedError) Error() string {
	return fmt.Sprintf("Model '%s' changed since it was read.", e.ModelID)
}
