package storetest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
)

// Fault is what a Faults proxy does to matching requests.
type Fault int32

// The faults a Faults proxy can inject.
const (
	// Pass forwards requests untouched.
	Pass Fault = iota
	// Deny answers with the configured error (e.g. 403 AccessDenied)
	// without reaching the fake.
	Deny
	// DropRequest reads part of the request body and then closes the
	// connection: the server "dies" mid-upload and the fake never sees it.
	DropRequest
	// TruncateResponse forwards the request, then sends the status line,
	// headers and half of the body before closing the connection.
	TruncateResponse
)

// Faults is an http.Handler in front of a fake cloud server that injects
// failures the fakes cannot produce themselves.
type Faults struct {
	// Next is the fake being fronted.
	Next http.Handler
	// DenyStatus, DenyType and DenyBody form the Deny response.
	DenyStatus int
	DenyType   string
	DenyBody   string
	// Match limits faults to some requests; nil matches all.
	Match func(*http.Request) bool

	mode atomic.Int32
	hits atomic.Int64
}

// Set switches the fault applied from now on.
func (f *Faults) Set(mode Fault) { f.mode.Store(int32(mode)) }

// Hits counts requests that received a fault.
func (f *Faults) Hits() int64 { return f.hits.Load() }

// ServeHTTP applies the current fault.
func (f *Faults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mode := Fault(f.mode.Load())
	if mode == Pass || (f.Match != nil && !f.Match(r)) {
		f.Next.ServeHTTP(w, r)
		return
	}
	f.hits.Add(1)
	switch mode {
	case Deny:
		w.Header().Set("Content-Type", f.DenyType)
		w.WriteHeader(f.DenyStatus)
		_, _ = io.WriteString(w, f.DenyBody)
	case DropRequest:
		buf := make([]byte, 16)
		_, _ = io.ReadFull(r.Body, buf)
		hijackAndClose(w, nil)
	case TruncateResponse:
		rec := httptest.NewRecorder()
		f.Next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		var head bytes.Buffer
		fmt.Fprintf(&head, "HTTP/1.1 %d %s\r\n", rec.Code, http.StatusText(rec.Code))
		rec.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_ = rec.Header().Write(&head)
		head.WriteString("\r\n")
		head.Write(body[:len(body)/2])
		hijackAndClose(w, head.Bytes())
	}
}

// hijackAndClose writes raw bytes (if any) on the connection and closes it,
// which is what the client sees when a server dies.
func hijackAndClose(w http.ResponseWriter, raw []byte) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("storetest: response writer cannot be hijacked")
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		panic(err)
	}
	if raw != nil {
		_, _ = buf.Write(raw)
		_ = buf.Flush()
	}
	_ = conn.Close()
}
