package s3store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sieproject/sie/internal/store"
)

// modelsPrefix is "{prefix}/models/" (or "models/").
func (s *Store) modelsPrefix() string { return s.loc.Key(store.ModelsDir + "/") }

func (s *Store) modelKey(name string) string { return s.modelsPrefix() + name }

// ListModelFiles lists direct children of models/ (delimiter "/"), all pages.
func (s *Store) ListModelFiles(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	prefix := s.modelsPrefix()
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket:    s.bucket(),
		Prefix:    aws.String(prefix),
		Delimiter: aws.String("/"),
	})
	names := []string{}
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("s3 store: list %s: %w", prefix, err)
		}
		for _, obj := range page.Contents {
			name, ok := strings.CutPrefix(aws.ToString(obj.Key), prefix)
			if ok && store.IsModelFile(name) {
				names = append(names, name)
			}
		}
	}
	sort.Strings(names)
	return names, nil
}

// ReadModelFile gets models/<name>; a missing object is store.ErrNotFound.
func (s *Store) ReadModelFile(ctx context.Context, name string) ([]byte, error) {
	if err := store.CheckName(name); err != nil {
		return nil, fmt.Errorf("s3 store: read %q: %w", name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	key := s.modelKey(name)
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: s.bucket(), Key: aws.String(key)})
	if isNotFound(err) {
		return nil, fmt.Errorf("s3 store: read %s: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("s3 store: read %s: %w", key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("s3 store: read %s: %w", key, err)
	}
	return data, nil
}

// WriteModel puts models/<FileName(id)>; an S3 PUT replaces atomically.
func (s *Store) WriteModel(ctx context.Context, id string, text []byte) error {
	name := store.FileName(id)
	if err := store.CheckName(name); err != nil {
		return fmt.Errorf("s3 store: write %q: %w", name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	key := s.modelKey(name)
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      s.bucket(),
		Key:         aws.String(key),
		Body:        bytes.NewReader(text),
		ContentType: aws.String("application/x-yaml"),
	})
	if err != nil {
		return fmt.Errorf("s3 store: write %s: %w", key, err)
	}
	return nil
}

// DeleteModel deletes models/<FileName(id)>. S3 already answers success for
// a missing key; a 404 from a compatible service is treated the same.
func (s *Store) DeleteModel(ctx context.Context, id string) error {
	name := store.FileName(id)
	if err := store.CheckName(name); err != nil {
		return fmt.Errorf("s3 store: delete %q: %w", name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	key := s.modelKey(name)
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: s.bucket(), Key: aws.String(key)})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("s3 store: delete %s: %w", key, err)
	}
	return nil
}
