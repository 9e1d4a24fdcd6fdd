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

// Logs captures what loggers (or any writer) write. It is safe for
// concurrent use; the zero value is ready.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Logger returns a logger writing into l in the text format, at slog's
// default level (info).
func (l *Logs) Logger() *slog.Logger { return l.LoggerAt(slog.LevelInfo) }

// LoggerAt is Logger from level up.
func (l *Logs) LoggerAt(level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: level}))
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

// Count returns the number of captured log lines at level or above.
func (l *Logs) Count(level slog.Level) int {
	n := 0
	for _, line := range strings.Split(l.String(), "\n") {
		_, rest, ok := strings.Cut(line, "level=")
		if !ok {
			continue
		}
		word, _, _ := strings.Cut(rest, " ")
		var got slog.Level
		if got.UnmarshalText([]byte(word)) == nil && got >= level {
			n++
		}
	}
	return n
}

// Reset drops what was captured.
func (l *Logs) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Reset()
}
