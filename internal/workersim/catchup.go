package workersim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Limits of the catch-up client: an export of 10,000 models is a few MB.
const (
	catchUpTimeout = 30 * time.Second
	maxExportBody  = 256 << 20
)

// catchUp reconciles a fleet's workers from sie-config (extensions E3): at
// startup, on every NATS (re)connect, when a poll of /v1/configs/epoch shows
// an epoch other than the last reconciled one, and every full-sync period.
// One goroutine runs it; the fleet's workers share each fetched export (the
// documents are parsed once) but each keeps its own registry and counters.
type catchUp struct {
	base    string // no trailing "/"
	bundle  string
	token   string
	poll    time.Duration
	full    time.Duration
	http    *http.Client
	log     *slog.Logger
	workers []*Worker
	// kick asks for a reconcile now (a NATS reconnect); capacity 1, so
	// requests made during a reconcile coalesce into one more.
	kick chan struct{}

	// Owned by the run goroutine.
	reconciled bool // the last reconcile succeeded
	lastEpoch  int64
	prepared   exportCache
}

func newCatchUp(cfg *Config, workers []*Worker, log *slog.Logger) *catchUp {
	return &catchUp{
		base:    strings.TrimRight(cfg.ConfigURL, "/"),
		bundle:  cfg.Bundle,
		token:   cfg.ConfigToken,
		poll:    cfg.ConfigPoll,
		full:    cfg.ConfigFullSync,
		http:    &http.Client{Timeout: catchUpTimeout},
		log:     log.With("config_url", cfg.ConfigURL),
		workers: workers,
		kick:    make(chan struct{}, 1),
	}
}

// request asks for a reconcile as soon as possible; it never blocks.
func (c *catchUp) request() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *catchUp) run(ctx context.Context) {
	c.reconcile(ctx, "startup")
	poll := time.NewTicker(c.poll)
	defer poll.Stop()
	full := time.NewTicker(c.full)
	defer full.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.kick:
			c.reconcile(ctx, "nats_connect")
		case <-full.C:
			c.reconcile(ctx, "full_sync")
		case <-poll.C:
			c.onPoll(ctx)
		}
	}
}

// onPoll reconciles when the epoch moved (either way) or the last reconcile
// failed; a failed poll keeps everything and waits for the next tick.
func (c *catchUp) onPoll(ctx context.Context) {
	if !c.reconciled {
		c.reconcile(ctx, "retry")
		return
	}
	epoch, err := c.epoch(ctx)
	if err != nil {
		c.log.Warn("config poll failed; keeping the current models", "err", err)
		c.fail(err)
		return
	}
	if epoch != c.lastEpoch {
		c.reconcile(ctx, "poll_epoch")
		return
	}
	c.fail(nil)
}

func (c *catchUp) reconcile(ctx context.Context, trigger string) {
	start := time.Now()
	epoch, entries, err := c.export(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		c.reconciled = false
		c.log.Warn("reconcile failed; keeping the current models", "trigger", trigger, "err", err)
		c.fail(err)
		return
	}
	c.reconciled, c.lastEpoch = true, epoch
	for _, w := range c.workers {
		w.reconcile(epoch, entries, trigger)
	}
	c.log.Debug("reconciled", "trigger", trigger, "epoch", epoch, "entries", len(entries), "took", time.Since(start))
}

// fail records err (nil clears it) as every worker's last_reconcile_error.
func (c *catchUp) fail(err error) {
	for _, w := range c.workers {
		w.setReconcileError(err)
	}
}

func (c *catchUp) get(ctx context.Context, path string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
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
	if resp.StatusCode/100 != 2 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: HTTP %d: %s", path, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return resp.Body, nil
}

// epoch reads /v1/configs/epoch.
func (c *catchUp) epoch(ctx context.Context) (int64, error) {
	body, err := c.get(ctx, "/v1/configs/epoch")
	if err != nil {
		return 0, err
	}
	defer body.Close()
	var v struct {
		Epoch *int64 `json:"epoch"`
	}
	if err := json.NewDecoder(io.LimitReader(body, 64<<10)).Decode(&v); err != nil || v.Epoch == nil {
		return 0, fmt.Errorf("GET /v1/configs/epoch: no epoch in the answer (%v)", err)
	}
	return *v.Epoch, nil
}

// export fetches /v1/configs/export and prepares every entry once.
func (c *catchUp) export(ctx context.Context) (int64, []ExportEntry, error) {
	body, err := c.get(ctx, "/v1/configs/export")
	if err != nil {
		return 0, nil, err
	}
	defer body.Close()
	epoch, entries, err := decodeExportCached(io.LimitReader(body, maxExportBody), c.bundle, c.prepared)
	if err == nil {
		c.prepared = newExportCache(entries)
	}
	return epoch, entries, err
}

// exportCache keeps the entries prepared by the last reconcile by model id:
// an entry whose raw_yaml did not change is not parsed again.
type exportCache map[string]cachedEntry

type cachedEntry struct {
	raw   string
	entry ExportEntry
}

func newExportCache(entries []ExportEntry) exportCache {
	c := make(exportCache, len(entries))
	for _, e := range entries {
		c[e.ModelID] = cachedEntry{raw: e.RawYAML, entry: e}
	}
	return c
}

// wireExportEntry is the part of an export entry a worker reads.
type wireExportEntry struct {
	ModelID string   `json:"model_id"`
	RawYAML *string  `json:"raw_yaml"`
	Bundles []string `json:"affected_bundles"`
}

var errNotExport = errors.New("GET /v1/configs/export: the answer is not an export (no epoch or models)")

// decodeExport reads {"epoch": E, "models": [...]} (other keys ignored) and
// prepares the entries of bundle (the others concern no worker of the
// fleet). An answer without either key is refused rather than taken as an
// empty catalog: reconciling removes what the export lacks.
func decodeExport(r io.Reader, bundle string) (int64, []ExportEntry, error) {
	return decodeExportCached(r, bundle, nil)
}

// decodeExportCached is decodeExport reusing the entries of cache whose
// raw_yaml is unchanged.
func decodeExportCached(r io.Reader, bundle string, cache exportCache) (int64, []ExportEntry, error) {
	var top struct {
		Epoch  *int64             `json:"epoch"`
		Models *[]wireExportEntry `json:"models"`
	}
	if err := json.NewDecoder(r).Decode(&top); err != nil {
		return 0, nil, fmt.Errorf("GET /v1/configs/export: %w", err)
	}
	if top.Epoch == nil || top.Models == nil {
		return 0, nil, errNotExport
	}
	out := make([]ExportEntry, 0, len(*top.Models))
	for _, e := range *top.Models {
		if !slices.Contains(e.Bundles, bundle) {
			continue
		}
		text := ""
		if e.RawYAML != nil {
			text = *e.RawYAML
		}
		if c, ok := cache[e.ModelID]; ok && c.raw == text {
			c.entry.Bundles = e.Bundles
			out = append(out, c.entry)
			continue
		}
		out = append(out, NewExportEntry(e.ModelID, text, e.Bundles))
	}
	return *top.Epoch, out, nil
}
