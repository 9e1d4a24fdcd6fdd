package gcsstore

import (
	"errors"
	"net/http"

	"google.golang.org/api/googleapi"
)

// isPreconditionFailed reports a lost conditional write (HTTP 412).
func isPreconditionFailed(err error) bool {
	var e *googleapi.Error
	return errors.As(err, &e) && e.Code == http.StatusPreconditionFailed
}
