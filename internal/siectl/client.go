package siectl

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// client talks to one service.
type client struct {
	base  string
	token string
	http  *http.Client
	// retryDelay paces the retries of a write whose answer was lost.
	retryDelay time.Duration
}

func newClient(base, token string) *client {
	return &client{base: strings.TrimRight(base, "/"), token: token,
		http: &http.Client{Timeout: 90 * time.Second}, retryDelay: 500 * time.Millisecond}
}

// response is a status and body; transport failures are errors.
type response struct {
	status int
	body   []byte
	ctype  string
	header http.Header
}

func (r response) ok() bool { return r.status >= 200 && r.status < 300 }

func (c *client) do(ctx context.Context, method, path string, body []byte, header map[string]string) (response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return response{}, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, c.base+path, unwrapURLError(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, c.base+path, err)
	}
	return response{status: resp.StatusCode, body: data, ctype: resp.Header.Get("Content-Type"), header: resp.Header}, nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// write sends a POST, PUT or DELETE with a fresh Idempotency-Key. The key is
// random per call, so a later invocation never replays an earlier answer;
// only this call's own retries (after a transport failure, when the answer
// may have been lost) reuse it, and the server then replays instead of
// applying twice.
func (c *client) write(ctx context.Context, method, path string, body []byte, header map[string]string) (response, error) {
	h := map[string]string{"Idempotency-Key": newIdempotencyKey()}
	if body != nil {
		h["Content-Type"] = "application/x-yaml"
	}
	for k, v := range header {
		h[k] = v
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return response{}, err
			case <-time.After(c.retryDelay):
			}
		}
		var r response
		if r, err = c.do(ctx, method, path, body, h); err == nil {
			return r, nil
		}
	}
	return response{}, err
}

// newIdempotencyKey is a random key for one invocation's write.
func newIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "siectl-" + hex.EncodeToString(b[:])
}

// modelPath escapes each segment of a model id but keeps its slashes.
func modelPath(id string) string {
	parts := strings.Split(id, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return "/v1/configs/models/" + strings.Join(parts, "/")
}

// configClient uses the admin token (writes, export), else the user token.
func (o *options) configClient() *client {
	tok := o.adminToken
	if tok == "" {
		tok = o.authToken
	}
	return newClient(o.configURL, tok)
}

// gatewayClient uses the user token, else the admin token.
func (o *options) gatewayClient(base string) *client {
	tok := o.authToken
	if tok == "" {
		tok = o.adminToken
	}
	return newClient(base, tok)
}

// getConfig reads a sie-config endpoint and fails on a non-2xx answer.
func (o *options) getConfig(ctx context.Context, path string) (response, error) {
	r, err := o.configClient().do(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return r, failed("%v", err)
	}
	if !r.ok() {
		return r, serverError(r)
	}
	return r, nil
}
