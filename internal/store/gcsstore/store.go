package gcsstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"

	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/store/objectstore"
)

// DefaultTimeout bounds one store call, retries included, so a hung
// endpoint cannot hold sie-config's write lock forever.
const DefaultTimeout = objectstore.DefaultTimeout

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

// Store is a config store in one GCS bucket under an optional prefix: the
// object-store engine over GCS. It is safe for concurrent use.
type Store = objectstore.Store

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
	return objectstore.New(objectstore.Config{
		Bucket:   &gcsBucket{client: client, owned: owned, bucket: client.Bucket(bucket)},
		Location: store.Location{Scheme: store.SchemeGCS, Bucket: bucket, Prefix: prefix},
		Name:     "gcs store",
		Logger:   opts.Logger,
		Timeout:  opts.Timeout,
		// GCS reads answer a bare "not found" for a missing bucket too; a
		// listing tells the two apart.
		ConfirmMissingEpoch: true,
	}), nil
}

// gcsBucket is one bucket through the GCS client. Versions are object
// generations.
type gcsBucket struct {
	client *storage.Client
	owned  bool // close client on Close
	bucket *storage.BucketHandle
}

// object returns a handle whose retries cover every call. Model writes and
// deletes are idempotent for us (same bytes; missing counts as deleted),
// which the library cannot know without a precondition.
func (b *gcsBucket) object(key string) *storage.ObjectHandle {
	return b.bucket.Object(key).Retryer(storage.WithPolicy(storage.RetryAlways))
}

func (b *gcsBucket) Get(ctx context.Context, key string, limit int64) ([]byte, string, error) {
	r, err := b.object(key).NewReader(ctx)
	if errors.Is(err, storage.ErrObjectNotExist) {
		return nil, "", fmt.Errorf("%w: %w", objectstore.ErrObjectMissing, err)
	}
	if err != nil {
		return nil, "", err
	}
	defer r.Close()
	var rd io.Reader = r
	if limit > 0 {
		rd = io.LimitReader(r, limit)
	}
	data, err := io.ReadAll(rd)
	if err != nil {
		return nil, "", err
	}
	return data, strconv.FormatInt(r.Attrs.Generation, 10), nil
}

func (b *gcsBucket) Put(ctx context.Context, key string, data []byte, contentType string, cond objectstore.Condition) (string, error) {
	h := b.object(key)
	switch {
	case cond.Absent:
		h = h.If(storage.Conditions{DoesNotExist: true})
	case cond.Match != "":
		gen, err := strconv.ParseInt(cond.Match, 10, 64)
		if err != nil {
			return "", fmt.Errorf("generation %q: %w", cond.Match, err)
		}
		h = h.If(storage.Conditions{GenerationMatch: gen})
	}
	attrs, err := upload(ctx, h, data, contentType)
	if isPreconditionFailed(err) {
		return "", fmt.Errorf("%w: %w", objectstore.ErrConditionFailed, err)
	}
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(attrs.Generation, 10), nil
}

// Delete: not found is success.
func (b *gcsBucket) Delete(ctx context.Context, key string) error {
	err := b.object(key).Delete(ctx)
	if err != nil && !errors.Is(err, storage.ErrObjectNotExist) {
		return err
	}
	return nil
}

// List reads the names with delimiter "/"; entries with only Prefix set are
// the "sub-directories" and are left out.
func (b *gcsBucket) List(ctx context.Context, prefix string) ([]string, error) {
	q := &storage.Query{Prefix: prefix, Delimiter: "/"}
	if err := q.SetAttrSelection([]string{"Name"}); err != nil {
		return nil, err
	}
	it := b.bucket.Objects(ctx, q)
	var keys []string
	for {
		attrs, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return keys, nil
		}
		if err != nil {
			return nil, err
		}
		if attrs.Prefix == "" {
			keys = append(keys, attrs.Name)
		}
	}
}

// Probe needs only storage.objects.list, which the store needs anyway.
func (b *gcsBucket) Probe(ctx context.Context, prefix string) error {
	it := b.bucket.Objects(ctx, &storage.Query{Prefix: prefix})
	it.PageInfo().MaxSize = 1
	if _, err := it.Next(); err != nil && !errors.Is(err, iterator.Done) {
		return err
	}
	return nil
}

// Close closes the client if the store created it.
func (b *gcsBucket) Close() error {
	if !b.owned {
		return nil
	}
	return b.client.Close()
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
