package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sieproject/sie/internal/logging"
)

// requestTimeout bounds every request to sie-config (sie-gateway.md §3.1).
const requestTimeout = 10 * time.Second

// maxBody caps a small response read from sie-config (epoch, bundles);
// the export is streamed and capped by Config.ExportMaxBytes instead.
const maxBody = 16 << 20

// DefaultExportMaxBytes is the default cap on one /export read
// (SIE_GATEWAY_EXPORT_MAX_BYTES).
const DefaultExportMaxBytes int64 = 1 << 30

// Headers sie-config sends on /epoch and /export (its configapi package
// defines them): the publisher id its deltas carry, and the generation of
// its epoch sequence.
const (
	headerRouterID   = "X-SIE-Router-Id"
	headerGeneration = "X-SIE-Config-Generation"
)

// configClient reads sie-config's sync endpoints.
type configClient struct {
	base      string // no trailing "/", path prefix kept
	token     string // outbound bearer; "" sends no header
	http      *http.Client
	exportMax int64
}

func newConfigClient(base, token string, hc *http.Client, exportMax int64) *configClient {
	if hc == nil {
		// The default client follows redirects, as §3.1 asks.
		hc = &http.Client{}
	}
	if exportMax <= 0 {
		exportMax = DefaultExportMaxBytes
	}
	return &configClient{base: strings.TrimRight(base, "/"), token: token, http: hc, exportMax: exportMax}
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
	body, _, err := c.getWithHeader(ctx, path)
	return body, err
}

// getWithHeader is get that also returns the response headers.
func (c *configClient) getWithHeader(ctx context.Context, path string) ([]byte, http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	resp, u, err := c.do(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: read body: %w", u, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, nil, &HTTPError{URL: u, Status: resp.StatusCode, Body: errorText(body)}
	}
	return body, resp.Header, nil
}

// errorText keeps an error body short enough to log.
func errorText(body []byte) string {
	return logging.Truncate(strings.TrimSpace(string(body)), logging.MaxFieldBytes)
}

func (c *configClient) do(ctx context.Context, path string) (*http.Response, string, error) {
	u := c.base + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, u, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	return resp, u, err
}

// RemoteEpoch is sie-config's /v1/configs/epoch answer.
type RemoteEpoch struct {
	Epoch       uint64
	BundlesHash string
	// Generation and RouterID come from the response headers ("" from a
	// sie-config that does not send them).
	Generation string
	RouterID   string
}

// epoch reads /v1/configs/epoch: a missing epoch is 0, a missing hash "",
// unknown keys are ignored.
func (c *configClient) epoch(ctx context.Context) (RemoteEpoch, error) {
	body, hdr, err := c.getWithHeader(ctx, "/v1/configs/epoch")
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
	out := RemoteEpoch{Generation: hdr.Get(headerGeneration), RouterID: hdr.Get(headerRouterID)}
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

// exportStream opens /v1/configs/export for streamed decoding. The 10 s
// request timeout covers the wait for the answer and then every read: a
// large export is allowed as long as it keeps coming. The body is capped at
// exportMax bytes.
func (c *configClient) exportStream(ctx context.Context) (io.ReadCloser, http.Header, error) {
	ctx, cancel := context.WithCancel(ctx)
	watchdog := time.AfterFunc(requestTimeout, cancel)
	resp, u, err := c.do(ctx, "/v1/configs/export")
	if err != nil {
		watchdog.Stop()
		cancel()
		return nil, nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		watchdog.Stop()
		cancel()
		return nil, nil, &HTTPError{URL: u, Status: resp.StatusCode, Body: errorText(body)}
	}
	return &exportBody{body: resp.Body, max: c.exportMax, watchdog: watchdog, cancel: cancel}, resp.Header, nil
}

// ErrExportTooLarge means an export exceeded SIE_GATEWAY_EXPORT_MAX_BYTES.
var ErrExportTooLarge = errors.New("the export exceeds SIE_GATEWAY_EXPORT_MAX_BYTES")

// exportBody counts and caps the bytes read and re-arms the read watchdog
// on every read that made progress.
type exportBody struct {
	body     io.ReadCloser
	max, n   int64
	watchdog *time.Timer
	cancel   context.CancelFunc
	tooLarge bool // sticky: every later read fails the same way
}

// Read never hands over a byte beyond the cap: a decoder that already
// holds the rest of a too-large export must still see the error.
func (b *exportBody) Read(p []byte) (int, error) {
	if b.tooLarge {
		return 0, ErrExportTooLarge
	}
	if b.n >= b.max {
		var one [1]byte
		if n, err := b.body.Read(one[:]); n > 0 {
			b.tooLarge = true
			return 0, ErrExportTooLarge
		} else if err != nil {
			return 0, err
		}
		return 0, nil
	}
	if room := b.max - b.n; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := b.body.Read(p)
	if n > 0 {
		b.watchdog.Reset(requestTimeout)
	}
	b.n += int64(n)
	return n, err
}

func (b *exportBody) Close() error {
	b.watchdog.Stop()
	b.cancel()
	return b.body.Close()
}

// decodeObject decodes a JSON object; null and non-objects are errors.
func decodeObject(body []byte, into any) error {
	trimmed := strings.TrimSpace(string(body))
	if !strings.HasPrefix(trimmed, "{") {
		return fmt.Errorf("expected a JSON object")
	}
	return json.Unmarshal(body, into)
}
