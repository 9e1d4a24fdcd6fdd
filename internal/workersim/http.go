package workersim

import (
	"encoding/json"
	"net/http"
	"time"
)

// handler routes a worker's HTTP port. There is deliberately no /health:
// clients tell a worker from a gateway by its 404 (worker-protocol.md §7).
func (w *Worker) handler() http.Handler {
	mux := http.NewServeMux()
	if w.cfg.servesWS() {
		mux.HandleFunc("GET /ws/status", w.serveStatus)
	}
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, _ *http.Request) {
		writeText(rw, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(rw http.ResponseWriter, _ *http.Request) {
		if w.Ready() {
			writeText(rw, http.StatusOK, "ok")
			return
		}
		writeText(rw, http.StatusServiceUnavailable, "not ready")
	})
	mux.HandleFunc("GET /sim/state", func(rw http.ResponseWriter, _ *http.Request) {
		writeJSON(rw, http.StatusOK, w.stateJSON())
	})
	mux.HandleFunc("POST /sim/faults", w.serveFaults)
	return mux
}

// faultRequest is the body of POST /sim/faults; absent fields are unchanged.
type faultRequest struct {
	ApplyLagMS   *int64   `json:"apply_lag_ms"`
	DropDeltas   *int     `json:"drop_deltas"`
	Ready        *bool    `json:"ready"`
	FreezeStatus *bool    `json:"freeze_status"`
	DisconnectWS *bool    `json:"disconnect_ws"`
	DropFraction *float64 `json:"drop_fraction"`
	// Unsupported replaces the ids the worker reports in unsupported_models
	// (besides its stubs); [] clears it.
	Unsupported *[]string `json:"unsupported"`
}

func (w *Worker) serveFaults(rw http.ResponseWriter, r *http.Request) {
	var req faultRequest
	if err := json.NewDecoder(http.MaxBytesReader(rw, r.Body, 64<<10)).Decode(&req); err != nil {
		writeJSON(rw, http.StatusBadRequest, []byte(`{"detail":"body must be a JSON object of fault fields"}`))
		return
	}
	if (req.ApplyLagMS != nil && *req.ApplyLagMS < 0) || (req.DropDeltas != nil && *req.DropDeltas < 0) ||
		(req.DropFraction != nil && (*req.DropFraction < 0 || *req.DropFraction > 1)) {
		writeJSON(rw, http.StatusBadRequest, []byte(`{"detail":"fault values must not be negative; drop_fraction is within [0, 1]"}`))
		return
	}
	w.mu.Lock()
	if req.ApplyLagMS != nil {
		w.applyLag = time.Duration(*req.ApplyLagMS) * time.Millisecond
	}
	if req.DropDeltas != nil {
		w.dropNext = *req.DropDeltas
	}
	if req.DropFraction != nil {
		w.dropFraction = *req.DropFraction
	}
	notify := false
	if req.Ready != nil && *req.Ready != w.ready {
		w.ready = *req.Ready
		notify = true
	}
	if req.Unsupported != nil {
		w.unsupported = map[string]bool{}
		for _, id := range *req.Unsupported {
			w.unsupported[id] = true
		}
		w.unsupportedGen++
		notify = true
	}
	if req.FreezeStatus != nil && *req.FreezeStatus != w.frozen {
		w.frozen = *req.FreezeStatus
		notify = true // unfreezing resumes at once; freezing takes effect at once
	}
	if notify {
		w.notifyLocked()
	}
	w.mu.Unlock()
	if req.DisconnectWS != nil && *req.DisconnectWS {
		w.dropSockets()
	}
	w.log.Info("faults changed", "state", string(w.stateJSON()))
	writeJSON(rw, http.StatusOK, w.stateJSON())
}

func writeText(rw http.ResponseWriter, status int, body string) {
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.WriteHeader(status)
	_, _ = rw.Write([]byte(body))
}

func writeJSON(rw http.ResponseWriter, status int, body []byte) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	_, _ = rw.Write(body)
}
