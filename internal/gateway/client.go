package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// requestTimeout bounds every request to sie-config (sie-gateway.md §3.1).
const requestTimeout = 10 * time.Second

// maxBody caps a response read from sie-config; an export of thousands of
// models stays far below it.
const maxBody = 256 << 20

// configClient reads sie-config's sync endpoints.
type configClient struct {
	base  string // no trailing "/", path prefix kept
	token string // outbound bearer; "" sends no header
	http  *http.Client
}

func newConfigClient(base, token string, hc *http.Client) *configClient {
	if hc == nil {
		// The default client follows redirects, as §3.1 asks.
		hc = &http.Client{}
	}
	return &configClient{base: strings.TrimRight(base, "/"), token: token, http: hc}
}

// HTTPError is a non-2xx answer from sie-config; it carries the status and
// the body so an auth failure (401 invalid_admin_token) is diagnosable.
type HTTPError struct {
	URL    string
	Status int
	Body   string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("GET %s: HTTP %d: %s", e.URL, e.Status, e.Body)
}

// get fetches path and returns the body of a 2xx answer.
func (c *configClient) get(ctx context.Context, path string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	u := c.base + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("GET %s: read body: %w", u, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &HTTPError{URL: u, Status: resp.StatusCode, Body: strings.TrimSpace(string(body))}
	}
	return body, nil
}

// RemoteEpoch is sie-config's /v1/configs/epoch answer.
type RemoteEpoch struct {
	Epoch       uint64
	BundlesHash string
}

// epoch reads /v1/configs/epoch: a missing epoch is 0, a missing hash "",
// unknown keys are ignored.
func (c *configClient) epoch(ctx context.Context) (RemoteEpoch, error) {
	body, err := c.get(ctx, "/v1/configs/epoch")
	if err != nil {
		return RemoteEpoch{}, err
	}
	var v struct {
		Epoch       *uint64 `json:"epoch"`
		BundlesHash *string `json:"bundles_hash"`
	}
	if err := decodeObject(body, &v); err != nil {
		return RemoteEpoch{}, fmt.Errorf("decode /v1/configs/epoch: %w", err)
	}
	var out RemoteEpoch
	if v.Epoch != nil {
		out.Epoch = *v.Epoch
	}
	if v.BundlesHash != nil {
		out.BundlesHash = *v.BundlesHash
	}
	return out, nil
}

// bundleIDs reads /v1/configs/bundles; entries with an empty bundle_id are
// ignored.
func (c *configClient) bundleIDs(ctx context.Context) ([]string, error) {
	body, err := c.get(ctx, "/v1/configs/bundles")
	if err != nil {
		return nil, err
	}
	var v struct {
		Bundles []struct {
			BundleID string `json:"bundle_id"`
		} `json:"bundles"`
	}
	if err := decodeObject(body, &v); err != nil {
		return nil, fmt.Errorf("decode /v1/configs/bundles: %w", err)
	}
	var ids []string
	for _, b := range v.Bundles {
		if b.BundleID != "" {
			ids = append(ids, b.BundleID)
		}
	}
	return ids, nil
}

// bundle reads /v1/configs/bundles/{id}, the id escaped as one segment.
func (c *configClient) bundle(ctx context.Context, id string) ([]byte, error) {
	return c.get(ctx, "/v1/configs/bundles/"+url.PathEscape(id))
}

// exportBody reads /v1/configs/export.
func (c *configClient) exportBody(ctx context.Context) ([]byte, error) {
	return c.get(ctx, "/v1/configs/export")
}

// decodeObject decodes a JSON object; null and non-objects are errors.
func decodeObject(body []byte, into any) error {
	trimmed := strings.TrimSpace(string(body))
	if !strings.HasPrefix(trimmed, "{") {
		return fmt.Errorf("expected a JSON object")
	}
	return json.Unmarshal(body, into)
}
