package configserver

import (
	"context"
	"log/slog"

	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/store/core"
)

// openStore opens the store named by SIE_CONFIG_STORE_DIR: a local path,
// s3://bucket[/prefix] or gs://bucket[/prefix].
func openStore(ctx context.Context, url string, log *slog.Logger) (core.Store, error) {
	return store.Open(ctx, url, log)
}
