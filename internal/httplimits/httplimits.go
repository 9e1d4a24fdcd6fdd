// Package httplimits holds the limits both services' HTTP servers run
// with, so idle, slow or oversized clients cannot hold connections or
// memory: header and body read deadlines, an idle timeout, a header cap,
// and the rule that a refused request is answered without reading its body.
package httplimits

import (
	"net/http"
	"time"
)

// The defaults, the same for sie-config and the gateway.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 60 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10
)

// Limits are an HTTP server's connection limits; zero fields take the
// defaults (tests shorten them).
type Limits struct {
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
}

// Server returns an http.Server for h with the limits applied. There is no
// write timeout: long-polls and streamed exports answer for as long as they
// need, and a client that stops reading is bounded by TCP.
func (l Limits) Server(h http.Handler) *http.Server {
	pick := func(v, def time.Duration) time.Duration {
		if v > 0 {
			return v
		}
		return def
	}
	max := l.MaxHeaderBytes
	if max <= 0 {
		max = DefaultMaxHeaderBytes
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: pick(l.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		ReadTimeout:       pick(l.ReadTimeout, DefaultReadTimeout),
		IdleTimeout:       pick(l.IdleTimeout, DefaultIdleTimeout),
		MaxHeaderBytes:    max,
	}
}

// DontDrain marks the answer to a refused request so the server closes the
// connection after it instead of reading (and waiting for) a body nobody
// will use: an unauthenticated client that announces a body and never
// sends it is let go at once. It must be called before the header is
// written.
func DontDrain(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
}
