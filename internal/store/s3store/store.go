package s3store

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sieproject/sie/internal/store"
)

// DefaultTimeout bounds one store call, SDK retries included, so a hung
// endpoint cannot hold sie-config's write lock forever.
const DefaultTimeout = 30 * time.Second

// Options configures an S3 store.
type Options struct {
	// Logger receives warnings. Nil discards.
	Logger *slog.Logger
	// Client replaces the client NewClient would build.
	Client *s3.Client
	// Timeout bounds each call; zero means DefaultTimeout.
	Timeout time.Duration
}

// Store is a config store in one S3 bucket under an optional prefix. It is
// safe for concurrent use.
type Store struct {
	client  *s3.Client
	loc     store.Location
	logger  *slog.Logger
	timeout time.Duration

	mu       sync.Mutex // guards baseline and orders epoch writes
	baseline version
}

var _ store.Store = (*Store)(nil)

// New returns a store on s3://bucket/prefix (prefix may be empty). It makes
// no request: the caller's first ReadEpoch is the reachability check.
func New(ctx context.Context, bucket, prefix string, opts Options) (*Store, error) {
	if bucket == "" {
		return nil, fmt.Errorf("s3 store: empty bucket name")
	}
	client := opts.Client
	if client == nil {
		var err error
		if client, err = NewClient(ctx); err != nil {
			return nil, err
		}
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Store{
		client:  client,
		loc:     store.Location{Kind: store.KindS3, Bucket: bucket, Prefix: prefix},
		logger:  store.Logger(opts.Logger),
		timeout: timeout,
	}, nil
}

// Describe returns "s3://bucket[/prefix]".
func (s *Store) Describe() string { return s.loc.String() }

// Ping lists at most one model object: it needs only the s3:ListBucket
// permission the store needs anyway, and it fails on a missing bucket.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	_, err := s.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
		Bucket:  aws.String(s.loc.Bucket),
		Prefix:  aws.String(s.loc.Key(store.ModelsDir + "/")),
		MaxKeys: aws.Int32(1),
	})
	if err != nil {
		return fmt.Errorf("s3 store: ping %s: %w", s.Describe(), err)
	}
	return nil
}

// Close does nothing: the SDK client holds no resources that need release.
func (s *Store) Close() error { return nil }

// bucket is a convenience for request inputs.
func (s *Store) bucket() *string { return aws.String(s.loc.Bucket) }
