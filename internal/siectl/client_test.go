package siectl

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestWriteReusesItsKeyOnlyForItsOwnRetries: a write whose answer is lost is
// retried with the same Idempotency-Key (the server replays instead of
// applying twice); the next write gets a new key.
func TestWriteReusesItsKeyOnlyForItsOwnRetries(t *testing.T) {
	var mu sync.Mutex
	var keys []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		first := len(keys) == 1
		mu.Unlock()
		if first { // the answer is lost: the connection drops
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	c := newClient(srv.URL, "")
	c.retryDelay = time.Millisecond
	for i := 0; i < 2; i++ {
		r, err := c.write(context.Background(), http.MethodPost, "/v1/configs/models", []byte("sie_id: x\n"), nil)
		if err != nil || r.status != http.StatusCreated {
			t.Fatalf("write %d: %v %d", i, err, r.status)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(keys) != 3 || keys[0] == "" || keys[0] != keys[1] || keys[2] == keys[0] {
		t.Fatalf("keys %q: want the retry to reuse the first key and the next write a new one", keys)
	}
}
