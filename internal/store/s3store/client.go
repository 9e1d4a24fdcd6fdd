package s3store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// DefaultRegion is used when the default chain yields no region, so that
// fakes and single-region S3-compatible services work without AWS_REGION.
const DefaultRegion = "us-east-1"

// NewClient builds an S3 client from the SDK's default chain: environment,
// shared config, web identity (IRSA), IMDS. The SDK itself applies
// AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL and endpoint_url from shared config;
// when any of them is set the client uses path-style addressing, because
// fakes and S3-compatible services rarely resolve bucket subdomains.
func NewClient(ctx context.Context) (*s3.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("s3 store: load AWS config: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		// Runs after the SDK resolved the configured base endpoint.
		if o.BaseEndpoint != nil {
			o.UsePathStyle = true
		}
	}), nil
}
