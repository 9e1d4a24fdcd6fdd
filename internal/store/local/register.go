package local

import (
	"context"
	"log/slog"

	"github.com/sieproject/sie/internal/store"
)

// A binary that imports this package can open local directory stores.
func init() {
	store.Register("", func(_ context.Context, loc store.Location, logger *slog.Logger) (store.Store, error) {
		s, err := Open(loc.Path, Options{Logger: logger})
		if err != nil {
			return nil, err
		}
		return s, nil
	})
}
