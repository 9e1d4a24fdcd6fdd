package faulttest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

// gatewayProc is the real sie-gateway binary as a child process. Its HTTP
// API serves ids, profile names and bundles but not whole documents, so it
// converges when its model list and epoch match the export.
type gatewayProc struct {
	name string
	port int
	cmd  *exec.Cmd
	done chan struct{}
	log  string

	mu     sync.Mutex
	lastL  uint64
	issues []string
}

// startGatewayProc runs sie-gateway against sie-config and NATS with the
// given poll interval and waits until it is ready (first bootstrap done).
func startGatewayProc(t testing.TB, name, configURL, natsURL string, poll time.Duration) *gatewayProc {
	t.Helper()
	return startGatewayProcWith(t, gatewayProcOptions{Name: name, ConfigURL: configURL, NATSURL: natsURL, Poll: poll, WaitReady: true})
}

// gatewayProcOptions configure a sie-gateway child process.
type gatewayProcOptions struct {
	Name, ConfigURL, NATSURL string
	Poll                     time.Duration
	Env                      []string // added to the environment
	WaitReady                bool     // wait for /readyz (else for /healthz)
	ReadyWithin              time.Duration
}

func startGatewayProcWith(t testing.TB, o gatewayProcOptions) *gatewayProc {
	t.Helper()
	name, configURL, natsURL, poll := o.Name, o.ConfigURL, o.NATSURL, o.Poll
	g := &gatewayProc{name: name, port: testkit.FreePort(t), done: make(chan struct{}),
		log: filepath.Join(t.TempDir(), name+".log")}
	logf, err := os.Create(g.log)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	g.cmd = exec.Command(sieGatewayBin.Path(t), "serve", "--host", "127.0.0.1", "--port", strconv.Itoa(g.port))
	g.cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"SIE_CONFIG_SERVICE_URL=" + configURL,
		"SIE_NATS_URL=" + natsURL,
		"SIE_GATEWAY_CONFIG_POLL_INTERVAL_S=" + strconv.FormatFloat(poll.Seconds(), 'f', -1, 64),
		"SIE_LOG_LEVEL=warn",
	}
	g.cmd.Env = append(g.cmd.Env, o.Env...)
	g.cmd.Stdout, g.cmd.Stderr = logf, logf
	if err := g.cmd.Start(); err != nil {
		t.Fatalf("start sie-gateway: %v", err)
	}
	go func() { _ = g.cmd.Wait(); close(g.done) }()
	t.Cleanup(func() { _ = g.cmd.Process.Kill(); <-g.done })
	probe, within := "/healthz", 20*time.Second
	if o.WaitReady {
		probe = "/readyz"
	}
	if o.ReadyWithin > 0 {
		within = o.ReadyWithin
	}
	testkit.Eventually(t, within, name+" "+probe, func() (bool, string) {
		select {
		case <-g.done:
			return true, ""
		default:
		}
		code, body, err := httpDo(g.URL(), "GET", probe, nil)
		return code == 200, fmt.Sprint(code, string(body), err)
	})
	select {
	case <-g.done:
		data, _ := os.ReadFile(g.log)
		t.Fatalf("sie-gateway exited at startup:\n%s", data)
	default:
	}
	return g
}

func (g *gatewayProc) Name() string { return g.name }
func (g *gatewayProc) URL() string  { return "http://127.0.0.1:" + strconv.Itoa(g.port) }

// Alive reports whether the process is still running.
func (g *gatewayProc) Alive() bool {
	select {
	case <-g.done:
		return false
	default:
		return true
	}
}

func (g *gatewayProc) convergedTo(want exportSnap) (bool, string) {
	if !g.Alive() {
		return false, g.name + " has exited"
	}
	l := uint64(sumMetric(scrape(g.URL()), "sie_gateway_config_epoch"))
	g.mu.Lock()
	if l < g.lastL && len(g.issues) < 10 {
		g.issues = append(g.issues, fmt.Sprintf("%s: local epoch went down from %d to %d", g.name, g.lastL, l))
	}
	g.lastL = l
	g.mu.Unlock()
	if l != want.Epoch {
		return false, fmt.Sprintf("%s: epoch %d want %d", g.name, l, want.Epoch)
	}
	got, err := gatewayList(g.URL())
	if err != nil {
		return false, err.Error()
	}
	if len(got) != len(want.Models) {
		return false, fmt.Sprintf("%s: %d models, want %d", g.name, len(got), len(want.Models))
	}
	for id, d := range want.Models {
		if !slices.Equal(got[id], profileNames(d)) {
			return false, fmt.Sprintf("%s: %s has profiles %v, want %v", g.name, id, got[id], profileNames(d))
		}
	}
	return true, ""
}

func (g *gatewayProc) epochIssues() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.issues...)
}

// Logs returns what the process wrote.
func (g *gatewayProc) Logs() string {
	data, _ := os.ReadFile(g.log)
	return string(data)
}
