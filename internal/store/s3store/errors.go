package s3store

import (
	"errors"
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// errorCode returns the S3 error code and HTTP status of err, if it came
// from the service.
func errorCode(err error) (code string, status int) {
	var api smithy.APIError
	if errors.As(err, &api) {
		code = api.ErrorCode()
	}
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) {
		status = resp.HTTPStatusCode()
	}
	return code, status
}

// isNotFound reports a missing object. A missing bucket is not "missing":
// it is a misconfiguration and must not read as an empty store.
func isNotFound(err error) bool {
	code, status := errorCode(err)
	switch code {
	case "NoSuchKey", "NotFound":
		return true
	case "NoSuchBucket":
		return false
	}
	return status == http.StatusNotFound
}

// isPreconditionFailed reports a lost conditional write: 412, or 409
// ConditionalRequestConflict when S3 saw a concurrent conditional write.
func isPreconditionFailed(err error) bool {
	code, status := errorCode(err)
	return status == http.StatusPreconditionFailed || code == "PreconditionFailed" ||
		code == "ConditionalRequestConflict"
}
