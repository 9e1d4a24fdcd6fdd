package local

import (
	"context"

	"github.com/sieproject/sie/internal/store"
)

// A binary that imports this package can open local directory stores.
func init() {
	store.Register("", func(_ context.Context, loc store.Location, o store.OpenOptions) (store.Store, error) {
		s, err := Open(loc.Path, Options{Logger: o.Logger})
		if err != nil {
			return nil, err
		}
		return s, nil
	})
}
