package logging

import (
	"context"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"
)

// MaxFieldBytes bounds a logged value that came from a client or a NATS
// payload: one hostile message must not turn into megabytes of log.
const MaxFieldBytes = 256

// Truncate shortens s to at most n bytes on a rune boundary, marking the cut
// with "…(+K bytes)".
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…(+" + itoa(len(s)-cut) + " bytes)"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	return string(b[i:])
}

// Sampler lets at most Burst log lines through per Interval and counts the
// ones it holds back; the next line that passes reports that count, so a
// flood of hostile input costs a bounded amount of log and nothing is lost
// silently.
type Sampler struct {
	Interval time.Duration
	Burst    int

	mu         sync.Mutex
	windowFrom time.Time
	passed     int
	suppressed int
}

// NewSampler returns a sampler passing burst lines per interval.
func NewSampler(interval time.Duration, burst int) *Sampler {
	return &Sampler{Interval: interval, Burst: burst}
}

// allow reports whether a line may be written now and how many were held
// back since the last one that was.
func (s *Sampler) allow(now time.Time) (bool, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.windowFrom) >= s.Interval {
		s.windowFrom, s.passed = now, 0
	}
	if s.passed >= s.Burst {
		s.suppressed++
		return false, 0
	}
	s.passed++
	n := s.suppressed
	s.suppressed = 0
	return true, n
}

// Log writes the line through l when the sampler lets it pass, adding
// "suppressed"=N when N earlier lines were held back.
func (s *Sampler) Log(l *slog.Logger, level slog.Level, msg string, args ...any) {
	if l == nil || !l.Enabled(context.Background(), level) {
		return
	}
	ok, held := s.allow(time.Now())
	if !ok {
		return
	}
	if held > 0 {
		args = append(args, "suppressed", held)
	}
	l.Log(context.Background(), level, msg, args...)
}
