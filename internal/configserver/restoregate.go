package configserver

import (
	"net/http"
	"sync"
)

// restoreGate holds every request but the probes and metrics until the
// store has been read at startup, so no answer describes the registry
// before its stored documents are in (a client that waits for /healthz and
// then reads sees the restored state, as when HTTP listened only after the
// restore). /healthz, /readyz, /metrics and /openapi.json answer at once.
type restoreGate struct {
	next     http.Handler
	open     chan struct{}
	openOnce sync.Once
}

// onGateWait, when set (tests), is called as a request starts waiting.
var onGateWait func()

func newRestoreGate(next http.Handler) *restoreGate {
	return &restoreGate{next: next, open: make(chan struct{})}
}

// Open lets every request through from now on.
func (g *restoreGate) Open() { g.openOnce.Do(func() { close(g.open) }) }

func (g *restoreGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/healthz", "/readyz", "/metrics", "/openapi.json":
		g.next.ServeHTTP(w, r)
		return
	}
	select {
	case <-g.open:
	default:
		if onGateWait != nil {
			onGateWait()
		}
		select {
		case <-g.open:
		case <-r.Context().Done():
			return
		}
	}
	g.next.ServeHTTP(w, r)
}
