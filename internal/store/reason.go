package store

import (
	"context"
	"errors"
	"strconv"
	"syscall"
)

// Reason says why a store operation failed in words a client may see: an
// errno text ("no space left on device"), an HTTP status of the cloud API,
// a timeout, or a pointer to the log. It never contains a file path, a
// bucket or an object key; the full error goes to the log.
func Reason(err error) string {
	var errno syscall.Errno
	var status interface{ HTTPStatusCode() int }
	var coded interface{ StatusCode() int }
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrEpochConflict):
		return EpochConflictMessage
	case errors.Is(err, context.DeadlineExceeded):
		return "the store did not answer in time"
	case errors.As(err, &errno):
		return errno.Error()
	case errors.As(err, &status) && status.HTTPStatusCode() != 0:
		return "the store answered HTTP " + strconv.Itoa(status.HTTPStatusCode())
	case errors.As(err, &coded) && coded.StatusCode() != 0:
		return "the store answered HTTP " + strconv.Itoa(coded.StatusCode())
	}
	return "store error (details in the sie-config log)"
}
