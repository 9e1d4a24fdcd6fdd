package store

import (
	"context"
	"log/slog"

	"github.com/sieproject/sie/internal/store/core"
	"github.com/sieproject/sie/internal/store/gcsstore"
	"github.com/sieproject/sie/internal/store/local"
	"github.com/sieproject/sie/internal/store/s3store"
)

// Open opens the store named by url: "s3://bucket[/prefix]",
// "gs://bucket[/prefix]", or a local directory (trailing "/" removed).
//
// A local store is prepared at once (models/ created, stale temp files
// removed). Cloud stores make no request here; the caller's ReadEpoch is
// the first contact, and its failure is the startup error of §1.3 step 3.
func Open(ctx context.Context, url string, logger *slog.Logger) (Store, error) {
	loc, err := core.ParseLocation(url)
	if err != nil {
		return nil, err
	}
	switch loc.Kind {
	case core.KindS3:
		return s3store.New(ctx, loc.Bucket, loc.Prefix, s3store.Options{Logger: logger})
	case core.KindGCS:
		return gcsstore.New(ctx, loc.Bucket, loc.Prefix, gcsstore.Options{Logger: logger})
	default:
		return local.Open(loc.Path, local.Options{Logger: logger})
	}
}
