package gcsstore

import (
	"context"

	"github.com/sieproject/sie/internal/store"
)

// A binary that imports this package can open gs:// stores.
func init() {
	store.Register(store.SchemeGCS, func(ctx context.Context, loc store.Location, o store.OpenOptions) (store.Store, error) {
		s, err := New(ctx, loc.Bucket, loc.Prefix, Options{Logger: o.Logger})
		if err != nil {
			return nil, err
		}
		return s, nil
	})
}
