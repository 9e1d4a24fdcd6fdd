package testkit

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// Discard is a logger that drops everything.
func Discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Logs captures what a logger writes, as text lines, at every level. It is
// safe for concurrent use.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Logger returns a logger (text format, debug level) writing into l.
func (l *Logs) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Write appends p, so l is also an io.Writer for servers that take one.
func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything captured so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Contains reports whether the captured text contains s.
func (l *Logs) Contains(s string) bool { return strings.Contains(l.String(), s) }

// Count returns the number of captured lines at level.
func (l *Logs) Count(level slog.Level) int {
	return strings.Count(l.String(), "level="+level.String()+" ")
}

// Reset drops what was captured.
func (l *Logs) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Reset()
}
