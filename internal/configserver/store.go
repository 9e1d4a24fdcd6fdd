package configserver

import (
	"context"
	"log/slog"

	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/store/gcsstore"
	"github.com/sieproject/sie/internal/store/local"
	"github.com/sieproject/sie/internal/store/s3store"
)

// Open opens the store named by url (SIE_CONFIG_STORE_DIR):
// "s3://bucket[/prefix]", "gs://bucket[/prefix]", or a local directory
// (trailing "/" removed).
//
// A local store is prepared at once (models/ created, stale temp files
// removed). Cloud stores make no request here; the caller's ReadEpoch is
// the first contact, and its failure is the startup error of §1.3 step 3.
func Open(ctx context.Context, url string, logger *slog.Logger) (store.Store, error) {
	loc, err := store.ParseLocation(url)
	if err != nil {
		return nil, err
	}
	switch loc.Kind {
	case store.KindS3:
		return s3store.New(ctx, loc.Bucket, loc.Prefix, s3store.Options{Logger: logger})
	case store.KindGCS:
		return gcsstore.New(ctx, loc.Bucket, loc.Prefix, gcsstore.Options{Logger: logger})
	default:
		return local.Open(loc.Path, local.Options{Logger: logger})
	}
}

// openStore opens the store named by SIE_CONFIG_STORE_DIR.
func openStore(ctx context.Context, url string, log *slog.Logger) (store.Store, error) {
	return Open(ctx, url, log)
}
