package testkit

import (
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

func TestEventuallyReturnsOnceTheConditionHolds(t *testing.T) {
	var n atomic.Int32
	Eventually(t, 5*time.Second, "three checks", func() bool { return n.Add(1) >= 3 })
	if n.Load() != 3 {
		t.Fatalf("%d checks", n.Load())
	}
	Eventually(t, 5*time.Second, "explained", func() (bool, string) { return true, "" })
}

// A condition that never holds fails the test, with its explanation.
func TestEventuallyFails(t *testing.T) {
	ft := &fakeT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Eventually(ft, 30*time.Millisecond, "never", func() (bool, string) { return false, "still 0" })
	}()
	<-done
	if ft.msg != "never: not reached within 30ms: still 0" {
		t.Fatalf("failure %q", ft.msg)
	}
}

// fakeT records a fatal failure and ends the goroutine like t.Fatalf.
type fakeT struct {
	testing.TB
	msg string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestNATSAndFreePort(t *testing.T) {
	port := FreePort(t)
	s := NATS(t, func(o *natsserver.Options) { o.Port = port })
	if NATSPort(s) != port || s.ClientURL() != "nats://127.0.0.1:"+strconv.Itoa(port) {
		t.Fatalf("port %d, url %s", NATSPort(s), s.ClientURL())
	}
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	first := FreePorts(t, 3)
	for p := first; p < first+3; p++ {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			t.Fatalf("port %d of %d..%d: %v", p, first, first+2, err)
		}
		ln.Close()
	}
}

func TestLogs(t *testing.T) {
	var l Logs
	l.Logger().Debug("dropped")
	log := l.LoggerAt(slog.LevelDebug)
	log.Warn("one", "k", 1)
	log.Debug("two")
	if !l.Contains("msg=one k=1") || l.Count(slog.LevelWarn) != 1 || l.Count(slog.LevelDebug) != 2 || l.Contains("dropped") {
		t.Fatalf("captured %q", l.String())
	}
	l.Reset()
	if l.String() != "" {
		t.Fatal("not reset")
	}
}
