package siectl

import (
	"bytes"
	"context"
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
}

func newClient(base, token string) *client {
	return &client{base: strings.TrimRight(base, "/"), token: token, http: &http.Client{Timeout: 30 * time.Second}}
}

// response is a status and body; transport failures are errors.
type response struct {
	status int
	body   []byte
	ctype  string
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
		return response{}, fmt.Errorf("%s %s: %w", method, c.base+path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, c.base+path, err)
	}
	return response{status: resp.StatusCode, body: data, ctype: resp.Header.Get("Content-Type")}, nil
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

// serverError turns a non-2xx answer into exit code 1 with the body.
func serverError(r response) error {
	return failed("server answered %d: %s", r.status, strings.TrimSpace(string(r.body)))
}
