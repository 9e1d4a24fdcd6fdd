package logging

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestTruncate(t *testing.T) {
	if got := Truncate("short", 10); got != "short" {
		t.Fatal(got)
	}
	got := Truncate(strings.Repeat("a", 1000), 256)
	if !strings.HasPrefix(got, strings.Repeat("a", 256)+"…") || !strings.Contains(got, "+744 bytes") {
		t.Fatalf("%q", got)
	}
	// Never cuts a rune in half.
	s := strings.Repeat("é", 200) // 400 bytes
	if got := Truncate(s, 255); !strings.HasPrefix(got, strings.Repeat("é", 127)+"…") {
		t.Fatalf("%q", got)
	}
}

func TestSamplerBoundsAndReportsSuppressed(t *testing.T) {
	s := NewSampler(time.Hour, 3)
	now := time.Unix(1000, 0)
	passed := 0
	for range 100 {
		if ok, _ := s.allow(now); ok {
			passed++
		}
	}
	if passed != 3 {
		t.Fatalf("%d lines passed in one window, want 3", passed)
	}
	ok, held := s.allow(now.Add(time.Hour))
	if !ok || held != 97 {
		t.Fatalf("next window: ok=%v held=%d, want true 97", ok, held)
	}

	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, nil))
	s2 := NewSampler(time.Hour, 1)
	s2.Log(l, slog.LevelWarn, "first")
	s2.Log(l, slog.LevelWarn, "second")
	if n := strings.Count(buf.String(), "\n"); n != 1 {
		t.Fatalf("%d lines: %s", n, buf.String())
	}
}
