package gatewayapi

import (
	"net/http"
	"strconv"
	"weak"

	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/gateway"
	"github.com/sieproject/sie/internal/workers"
)

// cachedStatus is a status answer and what it was computed from: the
// mirror snapshot and the worker registry version. Tooling polls /status
// while nothing changes, and an answer names every eligible worker, so it
// is rebuilt only when either input moved.
type cachedStatus struct {
	// st is weak so an entry never keeps an old snapshot alive.
	st      weak.Pointer[gateway.State]
	version uint64
	body    []byte
}

// writeStatus is the per-replica readiness view of a model (§4.2). It is
// written directly, keys in sorted order.
func (s *server) writeStatus(w http.ResponseWriter, st *gateway.State, m *gateway.Model) {
	// The version is read before the build: a change racing with it makes
	// the entry stale at once rather than hiding the change.
	version := s.workers.Version()
	if v, ok := s.statusCache.Load(m.ID); ok {
		if c := v.(*cachedStatus); c.version == version && c.st.Value() == st {
			writeBody(w, http.StatusOK, contentJSON, c.body)
			return
		}
	}
	body := appendStatus(make([]byte, 0, 1024), st, m, s.workers)
	s.statusCache.Store(m.ID, &cachedStatus{st: weak.Make(st), version: version, body: body})
	writeBody(w, http.StatusOK, contentJSON, body)
}

func appendStatus(out []byte, st *gateway.State, m *gateway.Model, ws Workers) []byte {
	const d = canonjson.ORJSON
	// First pass: the per-bundle facts, so all_bundles_acked (the first
	// key) is known before anything is written.
	type bundleFacts struct {
		expected string
		eligible []workers.Eligible
		acked    bool
	}
	var small [4]bundleFacts
	facts := small[:0]
	allAcked := len(m.Bundles) > 0
	for _, b := range m.Bundles {
		f := bundleFacts{expected: st.ExpectedHash(b), eligible: ws.Eligible(b)}
		f.acked = len(f.eligible) > 0 && f.expected != ""
		for _, e := range f.eligible {
			if e.Hash != f.expected {
				f.acked = false
				break
			}
		}
		allAcked = allAcked && f.acked
		facts = append(facts, f)
	}
	out = append(out, `{"all_bundles_acked":`...)
	out = strconv.AppendBool(out, allAcked)
	out = append(out, `,"bundles":[`...)
	for i, b := range m.Bundles {
		f := &facts[i]
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, `{"acked":`...)
		out = strconv.AppendBool(out, f.acked)
		out = append(out, `,"acked_workers":[`...)
		out = appendNames(out, f.eligible, f.expected, true)
		out = append(out, `],"bundle_id":`...)
		out = canonjson.AppendString(out, b, d)
		out = append(out, `,"expected_bundle_config_hash":`...)
		out = canonjson.AppendString(out, f.expected, d)
		out = append(out, `,"pending_workers":[`...)
		out = appendNames(out, f.eligible, f.expected, false)
		out = append(out, `],"total_eligible_workers":`...)
		out = strconv.AppendInt(out, int64(len(f.eligible)), 10)
		out = append(out, '}')
	}
	out = append(out, `],"config_epoch":`...)
	out = strconv.AppendUint(out, st.Epoch(), 10)
	out = append(out, `,"model_id":`...)
	out = canonjson.AppendString(out, m.ID, d)
	out = append(out, `,"no_bundles":`...)
	out = strconv.AppendBool(out, len(m.Bundles) == 0)
	out = append(out, `,"source":"gateway-registry"}`...)
	return out
}

// appendNames writes the names of the acked (or the other) workers. The
// eligible list is already sorted by name.
func appendNames(out []byte, eligible []workers.Eligible, expected string, acked bool) []byte {
	n := 0
	for _, e := range eligible {
		if (expected != "" && e.Hash == expected) != acked {
			continue
		}
		if n > 0 {
			out = append(out, ',')
		}
		out = canonjson.AppendString(out, e.Name, canonjson.ORJSON)
		n++
	}
	return out
}
