package configapi

import (
	"net/http"
	"strings"

	"github.com/sieproject/sie/internal/controlplane"
	"github.com/sieproject/sie/internal/doc"
)

// writeOptions reads ?dry_run and the precondition headers of a write.
// dry_run is true or 1 (false or 0 spell a real write); any other value is
// refused rather than guessed, so a typo never turns a rehearsal into a
// write.
func writeOptions(r *http.Request) (controlplane.WriteOptions, error) {
	var opts controlplane.WriteOptions
	q := r.URL.Query()
	if vals, ok := q["dry_run"]; ok {
		switch strings.ToLower(vals[len(vals)-1]) {
		case "true", "1":
			opts.DryRun = true
		case "false", "0":
		default:
			return opts, codedError(http.StatusBadRequest, "invalid_parameter",
				msg("Query parameter dry_run must be true, 1, false or 0."))
		}
	}
	if r.Method == http.MethodPut || r.Method == http.MethodDelete || isRollback(r) {
		if v, ok := r.Header["If-Match"]; ok {
			opts.Pre.IfMatch = controlplane.ParseETagList(strings.Join(v, ","))
		}
		if v, ok := r.Header["If-None-Match"]; ok {
			opts.Pre.IfNoneMatch = controlplane.ParseETagList(strings.Join(v, ","))
		}
	}
	return opts, nil
}

// withDryRun ends a dry run's answer with the predicted worker-side hashes
// of the affected bundles and "dry_run": true.
func withDryRun(body *doc.Map, opts controlplane.WriteOptions, hashes []controlplane.BundleHash) *doc.Map {
	if !opts.DryRun {
		return body
	}
	m := doc.NewMap()
	for _, h := range hashes {
		m.Set(h.Bundle, h.Hash)
	}
	body.Set("bundle_config_hashes", m)
	body.Set("dry_run", true)
	return body
}
