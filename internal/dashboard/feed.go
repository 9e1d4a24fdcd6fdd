package dashboard

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/sieproject/sie/internal/canonjson"
)

// Stream pacing.
const (
	// RefreshInterval is the longest time between two frames of a stream:
	// it refreshes the workers' last heartbeats (which move no version)
	// and lets a page tell a live stream from a dead one.
	RefreshInterval = 2 * time.Second
	// minFrameGap coalesces a burst of changes into one frame.
	minFrameGap = 200 * time.Millisecond
	// writeTimeout drops a viewer that stopped reading.
	writeTimeout = 10 * time.Second
	// DefaultMaxStreams caps concurrent event streams.
	DefaultMaxStreams = 100
)

// Config wires a Feed.
type Config struct {
	Mirror Mirror
	Fleet  Fleet
	// Context ends every stream when the gateway shuts down.
	Context context.Context
	// MaxStreams caps concurrent streams (DefaultMaxStreams when zero).
	MaxStreams int
}

// Feed serves the overview the page shows: GET /v1/dashboard (one JSON
// snapshot) and GET /v1/dashboard/events (server-sent events: a frame at
// once, then one per change of the mirror or the registry, at least every
// RefreshInterval).
type Feed struct {
	mirror Mirror
	fleet  Fleet
	ctx    context.Context
	slots  chan struct{} // one token per open stream

	// mu serializes builds of the config part so viewers woken by one
	// change build it once; a leaf lock.
	mu   sync.Mutex
	part *configPart
}

// NewFeed returns a Feed; it reads its sources only when asked.
func NewFeed(cfg Config) *Feed {
	if cfg.Context == nil {
		cfg.Context = context.Background()
	}
	if cfg.MaxStreams <= 0 {
		cfg.MaxStreams = DefaultMaxStreams
	}
	return &Feed{mirror: cfg.Mirror, fleet: cfg.Fleet, ctx: cfg.Context, slots: make(chan struct{}, cfg.MaxStreams)}
}

// config returns the config part of the current snapshot and registry
// version, building it at most once per change.
func (f *Feed) config() *configPart {
	// The version is read before the build: a change racing with it makes
	// the part stale at once rather than hiding the change.
	version := f.fleet.Version()
	st := f.mirror.Snapshot()
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.part; p != nil && p.st == st && p.version == version {
		return p
	}
	f.part = buildConfigPart(st, f.fleet, version)
	return f.part
}

// frame is one overview of the current state; withConfig=false leaves out
// the config part.
func (f *Feed) frame(part *configPart, withConfig bool) []byte {
	return overviewJSON(part, withConfig, f.mirror.Ready(), workersJSON(part.st, f.fleet), time.Now())
}

// ServeSnapshot answers GET /v1/dashboard: the whole overview.
func (f *Feed) ServeSnapshot(w http.ResponseWriter, _ *http.Request) {
	body := f.frame(f.config(), true)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// ServeEvents answers GET /v1/dashboard/events with server-sent events
// ("event: overview"). The first frame is complete; a later frame leaves
// out "models" and "bundles" while they are unchanged. It waits on the
// change signals, never polls, and ends when the viewer leaves, stops
// reading, or the gateway shuts down.
func (f *Feed) ServeEvents(w http.ResponseWriter, r *http.Request) {
	select {
	case f.slots <- struct{}{}:
		defer func() { <-f.slots }()
	default:
		writeMessage(w, http.StatusServiceUnavailable, "Too many dashboard streams")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // proxies that buffer by default (nginx) pass frames through
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	rc := http.NewResponseController(w)
	w.WriteHeader(http.StatusOK)

	var sent *configPart
	refresh := time.NewTicker(RefreshInterval)
	defer refresh.Stop()
	for {
		// Take the wake-ups before reading, so no change is missed.
		mirrorChanged, fleetChanged := f.mirror.Changed(), f.fleet.Changed()
		part := f.config()
		withConfig := sent == nil || (part != sent &&
			(!bytes.Equal(part.models, sent.models) || !bytes.Equal(part.bundles, sent.bundles)))
		if err := writeEvent(rc, w, f.frame(part, withConfig)); err != nil {
			return
		}
		if withConfig {
			sent = part
		}
		last := time.Now()
		select {
		case <-mirrorChanged:
		case <-fleetChanged:
		case <-refresh.C:
		case <-r.Context().Done():
			return
		case <-f.ctx.Done():
			return
		}
		if !f.pause(r.Context(), minFrameGap-time.Since(last)) {
			return
		}
	}
}

// pause waits d (coalescing the changes that arrive meanwhile) and reports
// whether the stream goes on.
func (f *Feed) pause(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-f.ctx.Done():
	}
	return false
}

// writeEvent sends one event and flushes it, within writeTimeout.
func writeEvent(rc *http.ResponseController, w http.ResponseWriter, data []byte) error {
	_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
	buf := make([]byte, 0, len(data)+32)
	buf = append(buf, "event: overview\ndata: "...)
	buf = append(buf, data...)
	buf = append(buf, "\n\n"...)
	if _, err := w.Write(buf); err != nil {
		return err
	}
	return rc.Flush()
}

// writeMessage writes the gateway's error body {"message": text}.
func writeMessage(w http.ResponseWriter, status int, text string) {
	body := canonjson.AppendCanonical(nil, map[string]any{"message": text}, canonjson.ORJSON)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
