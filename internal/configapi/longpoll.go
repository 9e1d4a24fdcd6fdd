package configapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	// maxEpochWait caps ?wait on /epoch.
	maxEpochWait = 60 * time.Second
	// defaultEpochWait applies when ?after is given without ?wait.
	defaultEpochWait = 30 * time.Second
)

// longPollParams reads ?after=N&wait=D of /epoch. after is nil when absent
// (answer at once). D is a Go duration ("5s") or a number of seconds,
// capped at 60 s.
func longPollParams(r *http.Request) (after *int64, wait time.Duration, err error) {
	q := r.URL.Query()
	if v := q.Get("after"); v != "" || q.Has("after") {
		n, perr := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if perr != nil {
			return nil, 0, invalidParameter("Query parameter after must be an integer epoch.")
		}
		after = &n
	}
	wait = defaultEpochWait
	if q.Has("wait") {
		if wait, err = ParseWait(q.Get("wait")); err != nil {
			return nil, 0, invalidParameter("Query parameter wait must be a duration such as 30s or a number of seconds.")
		}
	}
	return after, min(wait, maxEpochWait), nil
}

// ParseWait reads a wait parameter: a Go duration ("1m", "500ms") or a
// non-negative number of seconds ("30", "0.5").
func ParseWait(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if f < 0 || f > 1e6 {
			return 0, strconv.ErrRange
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, err
	}
	if d < 0 {
		return 0, strconv.ErrRange
	}
	return d, nil
}

func invalidParameter(text string) error {
	return codedError(http.StatusBadRequest, "invalid_parameter", msg(text))
}

// waitEpoch blocks until the epoch passes after, wait elapses, the client
// leaves or the server shuts down.
func (s *Server) waitEpoch(ctx context.Context, after int64, wait time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if s.stopping != nil {
		stop := context.AfterFunc(s.stopping, cancel)
		defer stop()
	}
	s.svc.WaitEpoch(ctx, after)
}

// noneMatch reports whether If-None-Match names etag (weak comparison) or
// is "*".
func noneMatch(r *http.Request, etag string) bool {
	for _, part := range strings.Split(strings.Join(r.Header.Values("If-None-Match"), ","), ",") {
		t := strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
