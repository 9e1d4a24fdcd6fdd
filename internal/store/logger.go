package store

import "log/slog"

// Logger returns l, or a logger that discards everything when l is nil, so
// backends never have to nil-check.
func Logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
