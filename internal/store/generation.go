package store

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
)

// GenerationName is the object holding the store's generation.
const GenerationName = "generation"

// NewGeneration returns a random 128-bit id as 32 lower-case hex digits.
func NewGeneration() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// ParseGeneration reads stored generation content: 32 hex digits after
// trimming, else "" (treated as absent, with a warning), so a damaged
// object is replaced by a fresh generation rather than trusted.
func ParseGeneration(data []byte, where string, logger *slog.Logger) string {
	text := strings.TrimSpace(string(data))
	if len(text) == 32 && isHex(text) {
		return strings.ToLower(text)
	}
	if text != "" {
		Logger(logger).Warn("config store generation is not 32 hex digits; a new one replaces it", "store", where)
	}
	return ""
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
