package gcsstore

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/storage"
	"github.com/googleapis/gax-go/v2"
)

// MaxAttempts bounds the client's retries. The library's default retries
// idempotent calls until the context ends; a bounded count turns an outage
// into a prompt error (a 503 for the caller) instead.
const MaxAttempts = 3

// NewClient builds a GCS client from Application Default Credentials, or
// for the emulator named by STORAGE_EMULATOR_HOST, with bounded retries.
func NewClient(ctx context.Context) (*storage.Client, error) {
	c, err := storage.NewClient(ctx)
	if err != nil {
		return nil, fmt.Errorf("gcs store: create client: %w", err)
	}
	c.SetRetry(
		storage.WithMaxAttempts(MaxAttempts),
		storage.WithBackoff(gax.Backoff{Initial: 200 * time.Millisecond, Max: 2 * time.Second, Multiplier: 2}),
	)
	return c, nil
}
