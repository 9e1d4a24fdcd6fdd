package gcsstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"

	"github.com/sieproject/sie/internal/store"
)

// DefaultTimeout bounds one store call, retries included, so a hung
// endpoint cannot hold sie-config's write lock forever.
const DefaultTimeout = 30 * time.Second

// Options configures a GCS store.
type Options struct {
	// Logger receives warnings. Nil discards.
	Logger *slog.Logger
	// Client replaces the client NewClient would build. The store does not
	// close a client it was given.
	Client *storage.Client
	// Timeout bounds each call; zero means DefaultTimeout.
	Timeout time.Duration
}

// Store is a config store in one GCS bucket under an optional prefix. It is
// safe for concurrent use.
type Store struct {
	client  *storage.Client
	owned   bool // close client on Close
	bucket  *storage.BucketHandle
	loc     store.Location
	logger  *slog.Logger
	timeout time.Duration

	mu       sync.Mutex // guards baseline and orders epoch writes
	baseline version
}

var _ store.Store = (*Store)(nil)

// New returns a store on gs://bucket/prefix (prefix may be empty). It makes
// no request: the caller's first ReadEpoch is the reachability check.
func New(ctx context.Context, bucket, prefix string, opts Options) (*Store, error) {
	if bucket == "" {
		return nil, fmt.Errorf("gcs store: empty bucket name")
	}
	client, owned := opts.Client, false
	if client == nil {
		var err error
		if client, err = NewClient(ctx); err != nil {
			return nil, err
		}
		owned = true
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Store{
		client:  client,
		owned:   owned,
		bucket:  client.Bucket(bucket),
		loc:     store.Location{Kind: store.KindGCS, Bucket: bucket, Prefix: prefix},
		logger:  store.Logger(opts.Logger),
		timeout: timeout,
	}, nil
}

// Describe returns "gs://bucket[/prefix]".
func (s *Store) Describe() string { return s.loc.String() }

// Ping lists at most one model object: it needs only storage.objects.list,
// which the store needs anyway, and it fails on a missing bucket.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	it := s.bucket.Objects(ctx, &storage.Query{Prefix: s.modelsPrefix()})
	it.PageInfo().MaxSize = 1
	if _, err := it.Next(); err != nil && !errors.Is(err, iterator.Done) {
		return fmt.Errorf("gcs store: ping %s: %w", s.Describe(), err)
	}
	return nil
}

// Close closes the client if the store created it.
func (s *Store) Close() error {
	if !s.owned {
		return nil
	}
	return s.client.Close()
}

// boundedAttempts stops retrying after MaxAttempts. Uploads retry through
// a different path from other calls, one that ignores WithMaxAttempts and
// would retry an outage until the context ends. The counter is per call:
// every handle from Bucket.Object has its own retry settings.
func boundedAttempts() storage.RetryOption {
	var failures atomic.Int32
	return storage.WithErrorFunc(func(err error) bool {
		return failures.Add(1) < MaxAttempts && storage.ShouldRetry(err)
	})
}

// object returns a handle whose retries cover every call. Model writes and
// deletes are idempotent for us (same bytes; missing counts as deleted),
// which the library cannot know without a precondition.
func (s *Store) object(key string) *storage.ObjectHandle {
	return s.bucket.Object(key).Retryer(storage.WithPolicy(storage.RetryAlways))
}

// uploadChunk is the smallest chunk GCS allows. Content that fits in one
// chunk goes up in a single buffered request, which the library can retry
// (ChunkSize 0 would stream and forbid retries); the library's 16 MiB
// default would allocate that much per write. Either way the object only
// becomes visible once the upload completes.
const uploadChunk = googleapi.MinUploadChunkSize

// upload writes data to h and returns the new object's attributes.
func upload(ctx context.Context, h *storage.ObjectHandle, data []byte, contentType string) (*storage.ObjectAttrs, error) {
	w := h.Retryer(boundedAttempts()).NewWriter(ctx)
	w.ChunkSize = uploadChunk
	w.ContentType = contentType
	if _, err := w.Write(data); err != nil {
		_ = w.Close()
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return w.Attrs(), nil
}
