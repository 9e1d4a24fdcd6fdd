// Package loadtest is the black-box benchmark of sie-config and the
// gateways: it runs the real binaries as separate processes, drives them
// over HTTP from this process, and measures each floor here in the same run
// (sie-loadtest).
package loadtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Binaries locates the built sie-config and sie-gateway.
type Binaries struct{ Dir string }

// Build compiles the two binaries into dir with the go command.
func Build(ctx context.Context, dir string) (Binaries, error) {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", dir+string(os.PathSeparator), "./cmd/sie-config", "./cmd/sie-gateway")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return Binaries{}, fmt.Errorf("go build: %w", err)
	}
	return Binaries{Dir: dir}, nil
}

// proc is one running binary.
type proc struct {
	name string
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

// Ports hands out listen ports: from a base when given, else free ones.
type Ports struct{ next int }

// NewPorts starts at base (0: pick free ports).
func NewPorts(base int) *Ports { return &Ports{next: base} }

// Take returns the next port.
func (p *Ports) Take() (int, error) {
	if p.next > 0 {
		p.next++
		return p.next - 1, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func start(bin, name string, port int, env []string, logTo io.Writer) (*proc, error) {
	cmd := exec.Command(bin, "serve", "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--log-level", "warning")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logTo, logTo
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{name: name, cmd: cmd, url: "http://127.0.0.1:" + strconv.Itoa(port), done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p, nil
}

// waitFor polls path until it answers 200 and returns how long that took
// from since.
func (p *proc) waitFor(path string, since time.Time, within time.Duration) (time.Duration, error) {
	c := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return 0, fmt.Errorf("%s exited", p.name)
		default:
		}
		resp, err := c.Get(p.url + path)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return time.Since(since), nil
			}
		}
		// Often enough for a 1 % resolution on the figures of interest
		// (0.2 s and more), rarely enough not to slow the process measured.
		time.Sleep(10 * time.Millisecond)
	}
	return 0, fmt.Errorf("%s: %s not 200 within %s", p.name, path, within)
}

func (p *proc) stop() {
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// rssBytes is the process's resident set (Linux /proc).
func (p *proc) rssBytes() (int64, error) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(p.cmd.Process.Pid), "status"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS")
}

// settledRSS is the process's resident set once it stops falling: a
// service hands a bulk load's garbage back to the OS just after it becomes
// ready, and what it keeps is the figure of interest. Sampled every 100 ms
// until a sample is no more than 1 % below the one before, for at most 5 s.
func (p *proc) settledRSS() (int64, error) {
	prev, err := p.rssBytes()
	if err != nil {
		return 0, err
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		cur, err := p.rssBytes()
		if err != nil {
			return 0, err
		}
		if cur >= prev-prev/100 {
			return cur, nil
		}
		prev = cur
	}
	return prev, nil
}

// cpuTime is the CPU time (user and system) the process has used so far
// (Linux /proc; clock ticks of 10 ms).
func (p *proc) cpuTime() (time.Duration, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p.cmd.Process.Pid), "stat"))
	if err != nil {
		return 0, err
	}
	// The fields after the command name (which may hold spaces) start
	// with the state; utime and stime are the 12th and 13th of them.
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}
