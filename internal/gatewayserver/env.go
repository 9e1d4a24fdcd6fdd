package gatewayserver

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Getenv looks a variable up and reports whether it is set.
type Getenv func(string) (string, bool)

// envReader reads typed values and collects the fall-back warnings that the
// server logs once its logger exists.
type envReader struct {
	get      Getenv
	warnings []string
}

func (e *envReader) str(key string) string {
	v, _ := e.get(key)
	return v
}

// boolean is true iff the value is true, 1 or yes, in any case (§1.1).
func (e *envReader) boolean(key string) bool {
	switch strings.ToLower(strings.TrimSpace(e.str(key))) {
	case "true", "1", "yes":
		return true
	}
	return false
}

// csv splits on ",", trims, and drops empty entries (§1.1).
func (e *envReader) csv(key string) []string {
	return splitCSV(e.str(key))
}

func splitCSV(v string) []string {
	var out []string
	for _, part := range strings.Split(v, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// seconds reads a positive number of seconds (float); unset or empty takes
// def, anything unparsable or not positive takes def with a warning.
func (e *envReader) seconds(key string, def time.Duration) time.Duration {
	v := strings.TrimSpace(e.str(key))
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || f > 1e9 {
		e.warnings = append(e.warnings, fmt.Sprintf("%s=%q is not a positive number of seconds; using the default %s", key, v, def))
		return def
	}
	return time.Duration(f * float64(time.Second))
}

// port reads a TCP port; an invalid value takes def with a warning.
func (e *envReader) port(key string, def int) int {
	v := strings.TrimSpace(e.str(key))
	if v == "" {
		return def
	}
	p, err := strconv.Atoi(v)
	if err != nil || p < 0 || p > 65535 {
		e.warnings = append(e.warnings, fmt.Sprintf("%s=%q is not a port number; using the default %d", key, v, def))
		return def
	}
	return p
}

// positiveInt reads a positive integer; an invalid value takes def with a
// warning.
func (e *envReader) positiveInt(key string, def int) int {
	v := strings.TrimSpace(e.str(key))
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 || n > 1<<53 {
		e.warnings = append(e.warnings, fmt.Sprintf("%s=%q is not a positive integer; using the default %d", key, v, def))
		return def
	}
	return int(n)
}
