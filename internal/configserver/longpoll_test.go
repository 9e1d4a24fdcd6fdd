package configserver_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

// TestShutdownEndsEpochLongPolls: a waiting /epoch long-poll answers at
// once when sie-config shuts down, so it never holds the 10 s drain.
func TestShutdownEndsEpochLongPolls(t *testing.T) {
	in := boot(t, newLayout(t, nil, nil).config())
	done := make(chan int, 1)
	go func() {
		resp, err := http.Get(in.URL() + "/v1/configs/epoch?after=0&wait=60s")
		if err != nil {
			done <- -1
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	testkit.Eventually(t, 10*time.Second, "the long-poll waits", func() bool { return in.Service().EpochWaiters() == 1 })
	start := time.Now()
	in.down = true
	check(t, in.Shutdown(context.Background()))
	if code := <-done; code != http.StatusOK {
		t.Fatalf("long-poll answered %d", code)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("shutdown took %v behind a long-poll", d)
	}
}
