package configserver

import (
	"context"
	"log/slog"

	"github.com/sieproject/sie/internal/store"
)

// openStore opens the store named by SIE_CONFIG_STORE_DIR (a local path,
// s3://bucket[/prefix] or gs://bucket[/prefix]) with the backend the
// binary links for it: the binary imports the backends it offers (see
// cmd/sie-config), and a URL whose backend is not linked fails to open.
func openStore(ctx context.Context, cfg Config, log *slog.Logger) (store.Store, error) {
	return store.Open(ctx, cfg.StoreURL, store.OpenOptions{Logger: log, Getenv: cfg.StoreEnv})
}
