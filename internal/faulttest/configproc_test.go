package faulttest

import (
	"errors"
	"log/slog"

	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/httplimits"
	"github.com/sieproject/sie/internal/testkit"
)

// configProc is the real sie-config binary as a child process on a fixed
// loopback port, so that it can be killed and restarted under the same URL.
type configProc struct {
	t      testing.TB
	env    []string
	port   int
	logDir string
	runs   int

	cmd    *exec.Cmd
	exited chan struct{}
	err    error // the wait result, valid once exited is closed
}

// configOptions describe one sie-config deployment.
type configOptions struct {
	CatalogDir string // holds bundles/ and models/
	StoreDir   string // "" = no store
	Restore    bool
	NATSURL    string // "" = standalone
	PodName    string // router_id; "" = sie-config-0
	// In-process only: NATS credentials, shortened HTTP limits, log level
	// (nil: warn).
	Creds    bus.Credentials
	Limits   httplimits.Limits
	LogLevel *slog.Level
	// Env adds variables to the binary's environment.
	Env []string
}

func newConfigProc(t testing.TB, o configOptions) *configProc {
	t.Helper()
	pod := o.PodName
	if pod == "" {
		pod = "sie-config-0"
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"SIE_BUNDLES_DIR=" + filepath.Join(o.CatalogDir, "bundles"),
		"SIE_MODELS_DIR=" + filepath.Join(o.CatalogDir, "models"),
		"POD_NAME=" + pod,
		"SIE_LOG_LEVEL=warning",
	}
	if o.StoreDir != "" {
		env = append(env, "SIE_CONFIG_STORE_DIR="+o.StoreDir)
	}
	if o.Restore {
		env = append(env, "SIE_CONFIG_RESTORE=true")
	}
	if o.NATSURL != "" {
		env = append(env, "SIE_NATS_URL="+o.NATSURL)
	}
	env = append(env, o.Env...)
	p := &configProc{t: t, env: env, port: testkit.FreePort(t), logDir: t.TempDir()}
	t.Cleanup(p.kill)
	return p
}

// URL is the base URL, the same for every incarnation.
func (p *configProc) URL() string { return "http://127.0.0.1:" + strconv.Itoa(p.port) }

// Start launches a new incarnation and waits until /healthz answers.
func (p *configProc) Start() {
	p.t.Helper()
	if p.cmd != nil {
		p.t.Fatal("sie-config already running")
	}
	p.runs++
	logf, err := os.Create(filepath.Join(p.logDir, fmt.Sprintf("run-%03d.log", p.runs)))
	if err != nil {
		p.t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(sieConfigBin.Path(p.t), "serve", "--host", "127.0.0.1", "--port", strconv.Itoa(p.port))
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start sie-config: %v", err)
	}
	p.cmd, p.exited = cmd, make(chan struct{})
	go func(exited chan struct{}) { p.err = cmd.Wait(); close(exited) }(p.exited)
	testkit.Eventually(p.t, 15*time.Second, "sie-config /healthz", func() (bool, string) {
		if p.Exited() {
			return true, ""
		}
		code, _, err := httpDo(p.URL(), "GET", "/healthz", nil)
		return code == 200, fmt.Sprint(code, err)
	})
	if p.Exited() {
		p.t.Fatalf("sie-config exited at startup (%v):\n%s", p.err, p.Logs())
	}
}

// Exited reports whether the current incarnation has ended.
func (p *configProc) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (p *configProc) Kill() {
	p.t.Helper()
	if p.cmd == nil {
		return
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.t.Fatalf("kill sie-config: %v", err)
	}
	<-p.exited
	p.cmd = nil
}

// kill is the t.Cleanup form of Kill.
func (p *configProc) kill() {
	if p.cmd != nil {
		_ = p.cmd.Process.Kill()
		<-p.exited
		p.cmd = nil
	}
}

// Logs returns everything every incarnation wrote.
func (p *configProc) Logs() string {
	var b strings.Builder
	files, _ := filepath.Glob(filepath.Join(p.logDir, "run-*.log"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		fmt.Fprintf(&b, "== %s\n%s", filepath.Base(f), data)
	}
	return b.String()
}

// Signal sends SIGKILL without waiting; Kill then reaps the process. It is
// safe to call from another goroutine than the test's.
func (p *configProc) Signal() {
	if cmd := p.cmd; cmd != nil {
		_ = cmd.Process.Signal(syscall.SIGKILL)
	}
}
