package faulttest

import (
	"encoding/json"
	"os"
	"sort"
	"testing"
	"time"
)

// report logs a test's measured figures and, with SIE_FAULT_REPORT set,
// appends them as one JSON line to that file (docs/reliability.md is
// written from it).
func report(t testing.TB, figures map[string]any) {
	t.Helper()
	figures["test"] = t.Name()
	keys := make([]string, 0, len(figures))
	for k := range figures {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("figure %-28s %v", k, figures[k])
	}
	path := os.Getenv("SIE_FAULT_REPORT")
	if path == "" {
		return
	}
	line, err := json.Marshal(figures)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(append(line, '\n')); err != nil {
		t.Fatal(err)
	}
}

// durations summarises a sample: count, median, max, in milliseconds.
type durations []time.Duration

func (d durations) summary() map[string]any {
	if len(d) == 0 {
		return map[string]any{"n": 0}
	}
	s := append(durations(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	return map[string]any{"n": len(s), "p50_ms": ms(s[len(s)/2]), "p90_ms": ms(s[len(s)*9/10]), "max_ms": ms(s[len(s)-1])}
}
