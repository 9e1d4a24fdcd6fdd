package s3store

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sieproject/sie/internal/store"
)

// maxEpochBytes caps the epoch read: anything longer is garbage anyway.
const maxEpochBytes = 1 << 10

// version is the epoch object as last seen by this instance.
type version struct {
	known  bool // false until the first read or write
	exists bool
	etag   string
}

// ReadEpoch reads {prefix}/epoch (§8.2) and remembers its ETag.
func (s *Store) ReadEpoch(ctx context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := s.readEpochLocked(ctx)
	if err != nil || data == nil {
		return 0, err
	}
	return store.ParseEpoch(data, s.Describe(), s.logger), nil
}

// readEpochLocked fetches the epoch and updates the baseline. It returns
// nil data when the object is missing.
func (s *Store) readEpochLocked(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: s.bucket(), Key: aws.String(s.epochKey())})
	if isNotFound(err) {
		s.baseline = version{known: true}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("s3 store: read %s: %w", s.epochKey(), err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, maxEpochBytes+1))
	if err != nil {
		return nil, fmt.Errorf("s3 store: read %s: %w", s.epochKey(), err)
	}
	if len(data) > maxEpochBytes {
		data = []byte("<oversized>")
	}
	s.baseline = version{known: true, exists: true, etag: aws.ToString(out.ETag)}
	if s.baseline.etag == "" {
		s.logger.Warn("S3 returned no ETag for the epoch; its writes cannot be conditional", "store", s.Describe())
	}
	return data, nil
}

// WriteEpoch puts the epoch conditionally: If-Match the last ETag, or
// If-None-Match: * when the object was absent. Without a prior read it
// first reads, to have a baseline.
func (s *Store) WriteEpoch(ctx context.Context, epoch int64) error {
	if epoch < 0 {
		return fmt.Errorf("s3 store: negative epoch %d", epoch)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.baseline.known {
		if _, err := s.readEpochLocked(ctx); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	in := &s3.PutObjectInput{
		Bucket:      s.bucket(),
		Key:         aws.String(s.epochKey()),
		Body:        bytes.NewReader(store.FormatEpoch(epoch)),
		ContentType: aws.String("text/plain"),
	}
	switch {
	case !s.baseline.exists:
		in.IfNoneMatch = aws.String("*")
	case s.baseline.etag != "":
		in.IfMatch = aws.String(s.baseline.etag)
	}
	out, err := s.client.PutObject(ctx, in)
	if isPreconditionFailed(err) {
		// The baseline stays stale on purpose: a second writer exists and
		// every later write must fail until someone looks.
		return store.EpochConflict(err)
	}
	if err != nil {
		return fmt.Errorf("s3 store: write %s: %w", s.epochKey(), err)
	}
	s.baseline = version{known: true, exists: true, etag: aws.ToString(out.ETag)}
	return nil
}

func (s *Store) epochKey() string { return s.loc.Key(store.EpochName) }
