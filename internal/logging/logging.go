// Package logging builds the services' slog loggers from the SIE_LOG_LEVEL
// and SIE_LOG_JSON settings.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// LevelCritical sits above error, as in Python logging.
const LevelCritical = slog.LevelError + 4

// ParseLevel accepts debug, info, warning/warn, error, critical (any case).
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warning", "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	case "critical":
		return LevelCritical, nil
	}
	return 0, fmt.Errorf("invalid log level %q (want debug, info, warning, error or critical)", s)
}

// ParseBool reads the boolean spellings of SIE_LOG_JSON and similar flags.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "t", "yes", "y", "on":
		return true, nil
	case "0", "false", "f", "no", "n", "off", "":
		return false, nil
	}
	return false, fmt.Errorf("invalid boolean %q", s)
}

// NewHandler returns the services' handler. JSON lines carry timestamp
// (UTC, RFC 3339 with milliseconds), level, logger and message.
func NewHandler(w io.Writer, level slog.Level, json bool) slog.Handler {
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: replaceAttr(json)}
	if json {
		return slog.NewJSONHandler(w, opts)
	}
	return slog.NewTextHandler(w, opts)
}

// Logger returns a logger named name on h.
func Logger(h slog.Handler, name string) *slog.Logger {
	return slog.New(h).With("logger", name)
}

func replaceAttr(json bool) func([]string, slog.Attr) slog.Attr {
	return func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) > 0 {
			return a
		}
		switch a.Key {
		case slog.TimeKey:
			if json {
				return slog.String("timestamp", a.Value.Time().UTC().Format("2006-01-02T15:04:05.000Z"))
			}
			return slog.String("time", a.Value.Time().UTC().Format(time.RFC3339Nano))
		case slog.LevelKey:
			lvl, _ := a.Value.Any().(slog.Level)
			return slog.String("level", levelName(lvl))
		case slog.MessageKey:
			if json {
				return slog.String("message", a.Value.String())
			}
		}
		return a
	}
}

func levelName(l slog.Level) string {
	switch {
	case l >= LevelCritical:
		return "CRITICAL"
	case l >= slog.LevelError:
		return "ERROR"
	case l >= slog.LevelWarn:
		return "WARNING"
	case l >= slog.LevelInfo:
		return "INFO"
	}
	return "DEBUG"
}
