package s3store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/store/objectstore"
)

// DefaultTimeout bounds one store call, SDK retries included, so a hung
// endpoint cannot hold sie-config's write lock forever.
const DefaultTimeout = objectstore.DefaultTimeout

// Options configures an S3 store.
type Options struct {
	// Logger receives warnings. Nil discards.
	Logger *slog.Logger
	// Client replaces the client NewClient would build.
	Client *s3.Client
	// Timeout bounds each call; zero means DefaultTimeout.
	Timeout time.Duration
}

// Store is a config store in one S3 bucket under an optional prefix: the
// object-store engine over S3. It is safe for concurrent use.
type Store = objectstore.Store

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
	return objectstore.New(objectstore.Config{
		Bucket:           &s3Bucket{client: client, name: bucket},
		Location:         store.Location{Scheme: store.SchemeS3, Bucket: bucket, Prefix: prefix},
		Name:             "s3 store",
		Logger:           opts.Logger,
		Timeout:          opts.Timeout,
		NoVersionWarning: "S3 returned no ETag for the epoch; its writes cannot be conditional",
	}), nil
}

// s3Bucket is one bucket through the AWS SDK. Versions are ETags.
type s3Bucket struct {
	client *s3.Client
	name   string
}

func (b *s3Bucket) Get(ctx context.Context, key string, limit int64) ([]byte, string, error) {
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.name), Key: aws.String(key)})
	if isNotFound(err) {
		return nil, "", fmt.Errorf("%w: %w", objectstore.ErrObjectMissing, err)
	}
	if err != nil {
		return nil, "", err
	}
	defer out.Body.Close()
	var r io.Reader = out.Body
	if limit > 0 {
		r = io.LimitReader(r, limit)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, "", err
	}
	return data, aws.ToString(out.ETag), nil
}

func (b *s3Bucket) Put(ctx context.Context, key string, data []byte, contentType string, cond objectstore.Condition) (string, error) {
	in := &s3.PutObjectInput{
		Bucket:      aws.String(b.name),
		Key:         aws.String(key),
		Body:        bytes.NewReader(data),
		ContentType: aws.String(contentType),
	}
	switch {
	case cond.Absent:
		in.IfNoneMatch = aws.String("*")
	case cond.Match != "":
		in.IfMatch = aws.String(cond.Match)
	}
	out, err := b.client.PutObject(ctx, in)
	if isPreconditionFailed(err) {
		return "", fmt.Errorf("%w: %w", objectstore.ErrConditionFailed, err)
	}
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ETag), nil
}

// Delete: S3 already answers success for a missing key; a 404 from a
// compatible service is treated the same.
func (b *s3Bucket) Delete(ctx context.Context, key string) error {
	_, err := b.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b.name), Key: aws.String(key)})
	if err != nil && !isNotFound(err) {
		return err
	}
	return nil
}

// List reads every page with delimiter "/", so only direct children come
// back as objects.
func (b *s3Bucket) List(ctx context.Context, prefix string) ([]string, error) {
	pages := s3.NewListObjectsV2Paginator(b.client, &s3.ListObjectsV2Input{
		Bucket:    aws.String(b.name),
		Prefix:    aws.String(prefix),
		Delimiter: aws.String("/"),
	})
	var keys []string
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, obj := range page.Contents {
			keys = append(keys, aws.ToString(obj.Key))
		}
	}
	return keys, nil
}

// Probe needs only the s3:ListBucket permission the store needs anyway.
func (b *s3Bucket) Probe(ctx context.Context, prefix string) error {
	_, err := b.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
		Bucket:  aws.String(b.name),
		Prefix:  aws.String(prefix),
		MaxKeys: aws.Int32(1),
	})
	return err
}

// Close does nothing: the SDK client holds no resources that need release.
func (b *s3Bucket) Close() error { return nil }
