package configapi

import (
	"testing"
	"time"
)

// generated_at is Python's isoformat() in UTC: microseconds, omitted when
// zero (sie-config.md §3.10).
func TestGeneratedAt(t *testing.T) {
	cases := map[time.Time]string{
		time.Date(2026, 1, 1, 12, 0, 0, 123456789, time.UTC):                    "2026-01-01T12:00:00.123456+00:00",
		time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC):                            "2026-01-01T12:00:00+00:00",
		time.Date(2026, 1, 1, 12, 0, 0, 999, time.UTC):                          "2026-01-01T12:00:00+00:00", // below a microsecond
		time.Date(2026, 1, 1, 12, 0, 0, 1000, time.UTC):                         "2026-01-01T12:00:00.000001+00:00",
		time.Date(2026, 1, 1, 13, 0, 0, 500000000, time.FixedZone("CET", 3600)): "2026-01-01T12:00:00.500000+00:00",
	}
	for in, want := range cases {
		if got := generatedAt(in); got != want {
			t.Errorf("%v: %s, want %s", in, got, want)
		}
	}
}
