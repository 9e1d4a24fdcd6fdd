package configserver_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/configserver"
)

// gateOnRestore is a log sink that holds the restore at its first line (the
// logger writes synchronously) until released, and learns the listening
// address from the line before it.
type gateOnRestore struct {
	lockedBuffer
	addr     chan string
	reached  chan struct{}
	release  chan struct{}
	seenOnce sync.Once
}

var listeningAddr = regexp.MustCompile(`msg="sie-config listening".*? addr=(\S+)`)

func (g *gateOnRestore) Write(p []byte) (int, error) {
	n, err := g.lockedBuffer.Write(p)
	if m := listeningAddr.FindSubmatch(p); m != nil {
		g.addr <- string(m[1])
	}
	if bytes.Contains(p, []byte("restoring API documents from the store")) {
		g.seenOnce.Do(func() { close(g.reached) })
		<-g.release
	}
	return n, err
}

// TestHealthzAnswersDuringRestore: HTTP listens before the stored documents
// are read; while they are, /healthz is 200 and /readyz 503, other requests
// wait for them, and once they are in every document is served.
func TestHealthzAnswersDuringRestore(t *testing.T) {
	l := newLayout(t, nil, nil)
	const n = 300
	check(t, os.MkdirAll(filepath.Join(l.store, "models"), 0o755))
	for i := range n {
		id := fmt.Sprintf("r/m%03d", i)
		body := "sie_id: " + id + "\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n"
		check(t, os.WriteFile(filepath.Join(l.store, "models", strings.ReplaceAll(id, "/", "__")+".yaml"), []byte(body), 0o600))
	}
	check(t, os.WriteFile(filepath.Join(l.store, "epoch"), []byte("7"), 0o600))
	cfg := l.config()
	cfg.StoreURL, cfg.Restore = l.store, true
	logs := &gateOnRestore{addr: make(chan string, 1), reached: make(chan struct{}), release: make(chan struct{})}
	cfg.Port, cfg.LogOutput = 0, logs
	started := make(chan *configserver.Server, 1)
	failed := make(chan error, 1)
	go func() {
		srv, err := configserver.Start(context.Background(), cfg)
		if err != nil {
			failed <- err
			return
		}
		started <- srv
	}()
	var base string
	select {
	case a := <-logs.addr:
		base = "http://" + a
	case err := <-failed:
		t.Fatal(err)
	case <-time.After(30 * time.Second):
		t.Fatal("sie-config never listened")
	}
	select {
	case <-logs.reached:
	case <-time.After(30 * time.Second):
		t.Fatal("the restore never started")
	}
	// get reports a transport error as status 0 (it also runs off the test
	// goroutine).
	get := func(method, path, body string) (int, string) {
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			return 0, err.Error()
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data)
	}
	if code, body := get("GET", "/healthz", ""); code != 200 || body != `{"status":"ok"}` {
		t.Fatalf("/healthz during the restore: %d %s", code, body)
	}
	if code, body := get("GET", "/readyz", ""); code != 503 || !strings.Contains(body, "restoring the stored documents") {
		t.Fatalf("/readyz during the restore: %d %s", code, body)
	}
	// Any other request waits for the restore: a read answers with the
	// restored state, never the one before it.
	waiting := make(chan struct{}, 1)
	configserver.SetGateWaitHook(func() { waiting <- struct{}{} })
	defer configserver.SetGateWaitHook(nil)
	type answer struct {
		code int
		body string
	}
	epoch := make(chan answer, 1)
	go func() {
		code, body := get("GET", "/v1/configs/epoch", "")
		epoch <- answer{code, body}
	}()
	select {
	case <-waiting:
	case a := <-epoch:
		t.Fatalf("a read answered during the restore: %d %s", a.code, a.body)
	case <-time.After(30 * time.Second):
		t.Fatal("the read never reached sie-config")
	}
	close(logs.release)
	if a := <-epoch; a.code != 200 || !strings.HasPrefix(a.body, `{"epoch":7,`) {
		t.Fatalf("the read issued during the restore: %d %s", a.code, a.body)
	}
	var srv *configserver.Server
	select {
	case srv = <-started:
	case err := <-failed:
		t.Fatal(err)
	case <-time.After(60 * time.Second):
		t.Fatal("Start did not return after the restore")
	}
	in := &instance{Server: srv, logs: &logs.lockedBuffer, t: t}
	t.Cleanup(in.stop)
	want(t, in.get("/readyz"), 200, `{"status":"ready"}`)
	wantContains(t, in.get("/v1/configs/epoch"), 200, `{"epoch":7,`)
	if r := in.get("/v1/configs/models/r/m299"); r.status != 200 {
		t.Fatalf("restored model: %d %s", r.status, r.body)
	}
	if !strings.Contains(logs.String(), "files=300 models=300") {
		t.Fatalf("no summary line in the log:\n%s", logs.String())
	}
}
