// Package configapi is sie-config's HTTP API: routing, auth, request
// decoding and the single error writer. Handlers decode, call the
// controlplane, and encode.
package configapi

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sieproject/sie/internal/controlplane"
	"github.com/sieproject/sie/internal/httplimits"
	"github.com/sieproject/sie/internal/idempotency"
	"github.com/sieproject/sie/internal/logging"
)

// MaxBodyBytes is the write and resolve body limit.
const MaxBodyBytes = 1 << 20

// Config wires a Server.
type Config struct {
	Service  *controlplane.Service
	Auth     Auth
	Registry *prometheus.Registry // metrics are registered here and served at /metrics
	Log      *slog.Logger
	Audit    *slog.Logger // logger "sie.audit"
	// Ready, when set, is consulted by /readyz in addition to the registry.
	Ready func() error
	// Stopping, when set, ends long-polls at once when it is cancelled
	// (the server is shutting down).
	Stopping context.Context
}

// Server serves the Config API.
type Server struct {
	svc      *controlplane.Service
	auth     Auth
	idem     *idempotency.Cache
	log      *slog.Logger
	audit    *slog.Logger
	ready    func() error
	stopping context.Context
	metrics  *httpMetrics
	routes   []*route
	prom     http.Handler
	// authFailures bounds the failed-auth log lines a flood can cause.
	authFailures *logging.Sampler
}

// New builds the server and its routes.
func New(cfg Config) *Server {
	s := &Server{
		svc: cfg.Service, auth: cfg.Auth, idem: idempotency.New(1000),
		log: cfg.Log, audit: cfg.Audit, ready: cfg.Ready, stopping: cfg.Stopping,
		metrics:      newHTTPMetrics(cfg.Registry),
		prom:         promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{}),
		authFailures: logging.NewSampler(time.Minute, 20),
	}
	open := func(h handlerFunc) endpoint { return endpoint{access: public, handle: h} }
	read := func(h handlerFunc) endpoint { return endpoint{access: readAccess, handle: h} }
	write := func(h handlerFunc) endpoint { return endpoint{access: writeAccess, handle: h} }
	s.routes = []*route{
		{template: "/healthz", exact: "/healthz", methods: map[string]endpoint{"GET": open(s.healthz)}},
		{template: "/readyz", exact: "/readyz", methods: map[string]endpoint{"GET": open(s.readyz)}},
		{template: "/metrics", exact: "/metrics", methods: map[string]endpoint{"GET": open(s.metricsHandler)}},
		{template: "/openapi.json", exact: "/openapi.json", methods: map[string]endpoint{"GET": open(s.openAPI)}},
		{template: "/v1/configs/models", exact: "/v1/configs/models", methods: map[string]endpoint{"GET": read(s.listModels), "POST": write(s.postModel)}, allow: "GET, POST"},
		{template: "/v1/configs/models/{model_id:path}/history", prefix: "/v1/configs/models/", suffix: historySuffix, methods: map[string]endpoint{"GET": read(s.getHistory)}},
		{template: "/v1/configs/models/{model_id:path}/rollback", prefix: "/v1/configs/models/", suffix: rollbackSuffix, methods: map[string]endpoint{"POST": write(s.postRollback)}, allow: "POST"},
		{template: "/v1/configs/models/{model_id:path}", prefix: "/v1/configs/models/", methods: map[string]endpoint{"GET": read(s.getModel), "PUT": write(s.putModel), "DELETE": write(s.deleteModel)}, allow: "GET, PUT, DELETE"},
		{template: "/v1/configs/resolve", exact: "/v1/configs/resolve", methods: map[string]endpoint{"POST": read(s.resolve)}, allow: "POST"},
		{template: "/v1/configs/bundles", exact: "/v1/configs/bundles", methods: map[string]endpoint{"GET": read(s.listBundles)}},
		{template: "/v1/configs/bundles/{bundle_id}", prefix: "/v1/configs/bundles/", segment: true, methods: map[string]endpoint{"GET": read(s.getBundle)}},
		{template: "/v1/configs/epoch", exact: "/v1/configs/epoch", methods: map[string]endpoint{"GET": read(s.epoch)}},
		{template: "/v1/configs/export", exact: "/v1/configs/export", methods: map[string]endpoint{"GET": {access: exportAccess, handle: s.export}}},
	}
	for _, rt := range s.routes {
		if rt.allow == "" {
			rt.allow = "GET"
		}
	}
	return s
}

// statusRecorder remembers the status for metrics.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (sr *statusRecorder) WriteHeader(code int) {
	if sr.status == 0 {
		sr.status = code
	}
	sr.ResponseWriter.WriteHeader(code)
}

func (sr *statusRecorder) Write(b []byte) (int, error) {
	if sr.status == 0 {
		sr.status = http.StatusOK
	}
	return sr.ResponseWriter.Write(b)
}

// ServeHTTP routes, applies the endpoint's access rule, recovers panics
// into a counted 500, and records metrics.
// Metric labels are bounded: a path that matches no route counts as
// "unmatched" and a non-standard method as "other", so no client can grow
// the series set.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	label := labelUnmatched
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
			if rec.status == 0 {
				writeError(rec, errInternal)
			}
			rec.status = http.StatusInternalServerError
		}
		if label != "/metrics" {
			s.metrics.observe(methodLabel(r.Method), label, strconv.Itoa(rec.status), time.Since(start))
		}
	}()
	rt, param, redirect := lookup(s.routes, r.Method, r.URL.Path)
	switch {
	case redirect:
		redirectWithoutSlash(rec, r)
		return
	case rt == nil:
		writeError(rec, errNotFound)
		return
	}
	label = rt.template
	ep, ok := rt.methods[r.Method]
	if !ok && r.Method == http.MethodHead {
		ep, ok = rt.methods[http.MethodGet]
	}
	if !ok {
		writeError(rec, &httpError{status: http.StatusMethodNotAllowed, detail: "Method Not Allowed", allow: rt.allow})
		return
	}
	err := s.auth.Check(ep.access, r)
	if err == nil {
		err = ep.handle(rec, r, param)
	}
	if err != nil {
		he := toHTTP(err)
		switch {
		case he.status == http.StatusUnauthorized || he.status == http.StatusForbidden:
			s.refused(r, he)
			httplimits.DontDrain(rec, r)
		case he.status >= 500 && he.status != http.StatusServiceUnavailable:
			s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		writeError(rec, err)
	}
}

// refused logs a failed authentication: rate-limited, with the reason and
// where it came from, never the token.
func (s *Server) refused(r *http.Request, he *httpError) {
	reason, _ := he.detail.(string)
	s.authFailures.Log(s.log, slog.LevelWarn, "authentication failed",
		"status", he.status, "reason", reason, "method", logging.Truncate(r.Method, 16),
		"path", logging.Truncate(r.URL.Path, logging.MaxFieldBytes), "remote", r.RemoteAddr,
		"token_presented", bearer(r) != "")
}
