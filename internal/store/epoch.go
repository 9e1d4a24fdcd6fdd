package store

import (
	"bytes"
	"log/slog"
	"strconv"
)

// ParseEpoch interprets stored epoch content (sie-config.md §8.2): trimmed
// of whitespace; empty means 0; anything but a non-negative decimal integer
// that fits in int64 means 0 and logs a warning naming where it came from.
func ParseEpoch(data []byte, where string, logger *slog.Logger) int64 {
	text := bytes.TrimSpace(data)
	if len(text) == 0 {
		return 0
	}
	if isDigits(text) {
		if n, err := strconv.ParseInt(string(text), 10, 64); err == nil {
			return n
		}
	}
	Logger(logger).Warn("config store epoch is not a non-negative integer; using 0",
		"store", where, "content", truncate(text, 64))
	return 0
}

// FormatEpoch renders an epoch the way it is stored: decimal ASCII, no
// trailing newline.
func FormatEpoch(epoch int64) []byte {
	return strconv.AppendInt(nil, epoch, 10)
}

// isDigits accepts only ASCII digits, so signs, underscores and spaces
// inside the number (which strconv or Python's int() might take) are garbage.
func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
