package gatewayapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"weak"

	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/gateway"
)

// Blocking wait on the status view (extensions E4).
const (
	maxStatusWait     = 60 * time.Second
	defaultStatusWait = 30 * time.Second
)

// cachedStatus is a status answer and what it was computed from: the
// mirror snapshot and the worker registry version. Tooling polls /status
// while nothing changes, and an answer describes every worker of the
// model's bundles, so it is rebuilt only when either input moved.
type cachedStatus struct {
	// st is weak so an entry never keeps an old snapshot alive.
	st      weak.Pointer[gateway.State]
	version uint64
	status  *gateway.Status
	body    []byte
}

// statusWait is a parsed ?wait=ready&min_epoch=E&timeout=D.
type statusWait struct {
	minEpoch uint64
	timeout  time.Duration
}

// parseStatusWait reads the long-poll parameters; nil means answer at once.
func parseStatusWait(r *http.Request) (*statusWait, string) {
	if r.URL.RawQuery == "" {
		return nil, ""
	}
	q := r.URL.Query()
	if !q.Has("wait") {
		return nil, ""
	}
	if v := q.Get("wait"); v != "ready" {
		return nil, "Query parameter 'wait' must be 'ready', got '" + v + "'"
	}
	sw := &statusWait{timeout: defaultStatusWait}
	if v := q.Get("min_epoch"); v != "" {
		e, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return nil, "Query parameter 'min_epoch' must be a non-negative integer, got '" + v + "'"
		}
		sw.minEpoch = e
	}
	if v := q.Get("timeout"); v != "" {
		d, ok := parseWaitDuration(v)
		if !ok {
			return nil, "Query parameter 'timeout' must be a duration such as 5s or whole seconds, got '" + v + "'"
		}
		sw.timeout = min(d, maxStatusWait)
	}
	return sw, ""
}

// parseWaitDuration accepts a Go duration ("5s", "1m") or whole seconds.
func parseWaitDuration(v string) (time.Duration, bool) {
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(n) * time.Second, true
	}
	d, err := time.ParseDuration(v)
	return d, err == nil && d >= 0
}

// serveStatus answers GET …/{id}/status. With ?wait=ready it blocks until
// the model is ready at min_epoch or the timeout passes, woken by changes
// of the mirror or the worker registry (never by polling); then it answers
// with the current view either way. A model still unknown at the end falls
// back to the YAML view (404).
func (s *server) serveStatus(w http.ResponseWriter, r *http.Request, raw, base string) {
	sw, bad := parseStatusWait(r)
	if bad != "" {
		writeMessage(w, http.StatusBadRequest, bad)
		return
	}
	var deadline <-chan time.Time
	if sw != nil {
		t := time.NewTimer(sw.timeout)
		defer t.Stop()
		deadline = t.C
	}
	for {
		// Take the wake-ups before reading, so no change is missed.
		var mirrorChanged, workersChanged <-chan struct{}
		if sw != nil {
			mirrorChanged, workersChanged = s.mirror.Changed(), s.workers.Changed()
		}
		st := s.mirror.Snapshot()
		m := st.Find(base)
		if m == nil && (sw == nil || st.Find(raw) != nil) {
			s.writeModelYAML(w, st, raw)
			return
		}
		var c *cachedStatus
		if m != nil && sw != nil && !st.MaybeReady(m, s.workers, sw.minEpoch) {
			// Not ready yet: wait without building the answer (see below
			// for the answer at the deadline).
		} else if m != nil {
			c = s.status(st, m)
			if sw == nil || c.status.Ready(sw.minEpoch) {
				writeBody(w, http.StatusOK, contentJSON, c.body)
				return
			}
		}
		select {
		case <-mirrorChanged:
			continue
		case <-workersChanged:
			continue
		case <-r.Context().Done():
			return
		case <-s.ctx.Done(): // shutting down: answer now, as at the deadline
		case <-deadline:
		}
		if m == nil {
			s.writeModelYAML(w, st, raw)
			return
		}
		if c == nil {
			c = s.status(st, m)
		}
		writeBody(w, http.StatusOK, contentJSON, c.body)
		return
	}
}

// status returns the model's status view, from the cache when neither the
// snapshot nor the registry moved since it was built.
func (s *server) status(st *gateway.State, m *gateway.Model) *cachedStatus {
	// The version is read before the build: a change racing with it makes
	// the entry stale at once rather than hiding the change.
	version := s.workers.Version()
	if v, ok := s.statusCache.Load(m.ID); ok {
		if c := v.(*cachedStatus); c.version == version && c.st.Value() == st {
			return c
		}
	}
	status := st.StatusOf(m, s.workers)
	c := &cachedStatus{st: weak.Make(st), version: version, status: status,
		body: canonjson.AppendCanonical(make([]byte, 0, 1024), statusDoc(status), canonjson.ORJSON)}
	s.statusCache.Store(m.ID, c)
	return c
}

// statusDoc is the status view's JSON value (sie-gateway.md §4.2 with the
// E4 keys); the canonical encoder writes its keys sorted at every level.
func statusDoc(st *gateway.Status) *doc.Map {
	bundles := make([]any, len(st.Bundles))
	for i, b := range st.Bundles {
		ws := make([]any, len(b.Workers))
		for j, w := range b.Workers {
			var epoch any
			if w.HasConfigEpoch {
				epoch = w.ConfigEpoch
			}
			ws[j] = doc.NewMap(
				doc.Entry{Key: "name", Value: w.Name},
				doc.Entry{Key: "health", Value: w.Health},
				doc.Entry{Key: "acked", Value: w.Acked},
				doc.Entry{Key: "reported_hash", Value: w.ReportedHash},
				doc.Entry{Key: "config_epoch", Value: epoch},
				doc.Entry{Key: "detail", Value: w.Detail},
			)
		}
		bundles[i] = doc.NewMap(
			doc.Entry{Key: "acked", Value: b.Acked},
			doc.Entry{Key: "acked_workers", Value: b.AckedWorkers},
			doc.Entry{Key: "bundle_id", Value: b.BundleID},
			doc.Entry{Key: "expected_bundle_config_hash", Value: b.Expected},
			doc.Entry{Key: "pending_workers", Value: b.PendingWorkers},
			doc.Entry{Key: "total_eligible_workers", Value: b.Eligible},
			doc.Entry{Key: "workers", Value: ws},
		)
	}
	return doc.NewMap(
		doc.Entry{Key: "all_bundles_acked", Value: st.AllBundlesAcked},
		doc.Entry{Key: "bundles", Value: bundles},
		doc.Entry{Key: "config_epoch", Value: st.ConfigEpoch},
		doc.Entry{Key: "message", Value: st.Message},
		doc.Entry{Key: "model_id", Value: st.ModelID},
		doc.Entry{Key: "no_bundles", Value: st.NoBundles},
		doc.Entry{Key: "reason", Value: st.Reason},
		doc.Entry{Key: "source", Value: sourceRegistry},
		doc.Entry{Key: "state", Value: st.State},
		doc.Entry{Key: "worker_view", Value: doc.NewMap(
			doc.Entry{Key: "form", Value: st.View.Form},
			doc.Entry{Key: "reasons", Value: nonNil(st.View.Reasons)},
		)},
	)
}

// statusBase splits "{id}/status" into the model id part.
func statusBase(raw string) (string, bool) { return strings.CutSuffix(raw, "/status") }
