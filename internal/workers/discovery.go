package workers

import "strings"

// ParseStatic returns the static worker URLs (§7.1): every value split on
// commas, entries trimmed, empties dropped, duplicates removed keeping the
// first, and "http://" added to an entry without a scheme.
func ParseStatic(values ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			u := strings.TrimSpace(part)
			if u == "" {
				continue
			}
			if !strings.Contains(u, "://") {
				u = "http://" + u
			}
			if seen[u] {
				continue
			}
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}

// StatusURL is the worker's status WebSocket URL: http → ws, https → wss,
// trailing "/" trimmed, plus /ws/status.
func StatusURL(base string) string {
	u := strings.TrimRight(base, "/")
	switch {
	case strings.HasPrefix(u, "http://"):
		u = "ws://" + strings.TrimPrefix(u, "http://")
	case strings.HasPrefix(u, "https://"):
		u = "wss://" + strings.TrimPrefix(u, "https://")
	}
	return u + "/ws/status"
}
