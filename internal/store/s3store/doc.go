// Package s3store is the config store on Amazon S3 or an S3-compatible
// service (sie-config.md §8.4): the objectstore engine over one bucket,
// objects {prefix}/epoch and {prefix}/models/<encoded id>.yaml.
//
// Credentials and endpoint come from the AWS SDK's default chain, so
// AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3 point it at a fake or at MinIO; an
// endpoint override switches to path-style addressing, which such services
// need. Only "not found" reads as missing; every other failure is an error.
// The epoch write is conditional (If-Match on the last ETag, If-None-Match: *
// when absent) so a second writer is detected rather than silently merged.
package s3store
