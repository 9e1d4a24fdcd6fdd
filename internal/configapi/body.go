package configapi

import (
	"io"
	"net/http"
)

// readBody reads at most MaxBodyBytes+1 bytes so an oversized body is
// detected without buffering it whole.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, detailError(http.StatusBadRequest, "Could not read request body")
	}
	if len(body) > MaxBodyBytes {
		return nil, errBodyTooLarge
	}
	return body, nil
}
