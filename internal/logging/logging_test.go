package logging

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"regexp"
	"testing"
)

func TestJSONLineKeys(t *testing.T) {
	var buf bytes.Buffer
	log := Logger(NewHandler(&buf, slog.LevelInfo, true), "sie.audit")
	log.Info("hello", "k", 1)
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("not JSON: %q", buf.String())
	}
	if line["message"] != "hello" || line["logger"] != "sie.audit" || line["level"] != "INFO" {
		t.Fatalf("keys: %v", line)
	}
	ts, _ := line["timestamp"].(string)
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`).MatchString(ts) {
		t.Fatalf("timestamp %q", ts)
	}
}

func TestParseLevelAndBool(t *testing.T) {
	for _, s := range []string{"debug", "INFO", "Warning", "warn", "error", "critical"} {
		if _, err := ParseLevel(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	if _, err := ParseLevel("verbose"); err == nil {
		t.Error("verbose must be rejected")
	}
	for _, s := range []string{"1", "true", "T", "yes", "y", "ON"} {
		if v, err := ParseBool(s); err != nil || !v {
			t.Errorf("%s: %v %v", s, v, err)
		}
	}
	for _, s := range []string{"0", "false", "f", "No", "n", "off"} {
		if v, err := ParseBool(s); err != nil || v {
			t.Errorf("%s: %v %v", s, v, err)
		}
	}
	if _, err := ParseBool("maybe"); err == nil {
		t.Error("maybe must be rejected")
	}
}
