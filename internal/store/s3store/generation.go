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

func (s *Store) generationKey() string { return s.loc.Key(store.GenerationName) }

// ReadGeneration gets {prefix}/generation; a missing object is "".
func (s *Store) ReadGeneration(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: s.bucket(), Key: aws.String(s.generationKey())})
	if isNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("s3 store: read %s: %w", s.generationKey(), err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, maxEpochBytes))
	if err != nil {
		return "", fmt.Errorf("s3 store: read %s: %w", s.generationKey(), err)
	}
	return store.ParseGeneration(data, s.Describe(), s.logger), nil
}

// WriteGeneration puts {prefix}/generation.
func (s *Store) WriteGeneration(ctx context.Context, gen string) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      s.bucket(),
		Key:         aws.String(s.generationKey()),
		Body:        bytes.NewReader([]byte(gen)),
		ContentType: aws.String("text/plain"),
	})
	if err != nil {
		return fmt.Errorf("s3 store: write %s: %w", s.generationKey(), err)
	}
	return nil
}
