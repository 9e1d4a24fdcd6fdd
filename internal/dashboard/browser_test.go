package dashboard_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/sieproject/sie/internal/testkit"
)

// screenshotsEnv names a directory (relative paths are taken from the
// repository root) where the browser test writes a PNG of each view. CI
// leaves it unset, so the tree stays clean.
const screenshotsEnv = "SIE_UI_SCREENSHOTS"

// browserNames are the Chromium binaries the browser test looks for.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

func findBrowser() string {
	for _, name := range browserNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is one tab of a headless Chromium, with what it logged.
type browser struct {
	ctx context.Context

	mu       sync.Mutex
	console  []consoleEntry // errors and warnings: console calls, exceptions, browser log
	requests []string       // the URL of every request the page sent
}

type consoleEntry struct {
	source, level, url, text string
}

func (e consoleEntry) String() string {
	return e.source + " " + e.level + ": " + e.text + " (" + e.url + ")"
}

// startBrowser launches Chromium with the flags this closed network needs
// and a fresh profile, and opens a first tab.
func startBrowser(t *testing.T, exe string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	return listen(t, ctx)
}

// newTab opens another tab of the same browser: its own session storage.
func (b *browser) newTab(t *testing.T) *browser {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	return listen(t, ctx)
}

func listen(t *testing.T, ctx context.Context) *browser {
	t.Helper()
	b := &browser{ctx: ctx}
	err := chromedp.Listen(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var text []string
				for _, a := range e.Args {
					text = append(text, string(a.Value)+a.Description)
				}
				b.console = append(b.console, consoleEntry{"console", string(e.Type), "", strings.Join(text, " ")})
			}
		case *runtime.EventExceptionThrown:
			text := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				text += " " + e.ExceptionDetails.Exception.Description
			}
			b.console = append(b.console, consoleEntry{"exception", "error", e.ExceptionDetails.URL, text})
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
				b.console = append(b.console, consoleEntry{string(e.Entry.Source), string(e.Entry.Level), e.Entry.URL, e.Entry.Text})
			}
		case *network.EventRequestWillBeSent:
			b.requests = append(b.requests, e.Request.URL)
		}
	})
	if err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return b
}

// do runs actions with a bound.
func (b *browser) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("browser: %v\npage: %s", err, b.pageText())
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *browser, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

// waitJS polls the boolean expression until it holds, and returns how
// long that took.
func (b *browser) waitJS(t *testing.T, within time.Duration, what, expr string) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		ok, err := eval[bool](b, expr)
		if err == nil && ok {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("timed out after %s waiting for %s (last error: %v)\npage: %s\nconsole: %v", within, what, err, b.pageText(), b.consoleEntries())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (b *browser) pageText() string {
	s, _ := eval[string](b, `document.body ? document.body.innerText : ''`)
	if len(s) > 3000 {
		s = s[:3000] + "…"
	}
	return s
}

func (b *browser) consoleEntries() []consoleEntry {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]consoleEntry(nil), b.console...)
}

func (b *browser) requestURLs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...)
}

// unexpectedConsole lists the console entries that allowed does not accept.
func (b *browser) unexpectedConsole(allowed func(consoleEntry) bool) []consoleEntry {
	var out []consoleEntry
	for _, e := range b.consoleEntries() {
		if !allowed(e) {
			out = append(out, e)
		}
	}
	return out
}

// failedRequest accepts the browser's own report of an HTTP error status
// that the page expects, for URLs ending in suffix.
func failedRequest(status, suffix string) func(consoleEntry) bool {
	return func(e consoleEntry) bool {
		return e.source == "network" && strings.Contains(e.text, "status of "+status) && strings.HasSuffix(e.url, suffix)
	}
}

func anyOf(fs ...func(consoleEntry) bool) func(consoleEntry) bool {
	return func(e consoleEntry) bool {
		for _, f := range fs {
			if f(e) {
				return true
			}
		}
		return false
	}
}

// screenshot writes a full-page PNG when SIE_UI_SCREENSHOTS is set.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv(screenshotsEnv)
	if dir == "" {
		return
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(repoRoot(t), dir)
	}
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// js quotes s as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Page queries the tests use: the data-value of a badge in a row.
func modelState(id string) string {
	return `(() => { const r = document.querySelector('tr[data-model-id=' + JSON.stringify(` + js(id) + `) + ']');
		return r ? r.querySelector('.state .badge').dataset.value : '' })()`
}

func workerCell(scope, name, cell string) string {
	return `(() => { const r = document.querySelector(` + js(scope) + ` + ' tr[data-worker=' + JSON.stringify(` + js(name) + `) + ']');
		return r ? r.querySelector(` + js(cell) + ` + ' .badge').dataset.value : '?' })()`
}

const (
	readToken = "dashboard-read-token"
	// The state of the live indicator: on (stream), poll, auth, off.
	liveState = `document.getElementById('live').dataset.state`
	modelRows = `document.querySelectorAll('#models-table tbody tr').length`
)

// TestDashboardInBrowser drives the page in a real headless Chromium
// against a real sie-config, NATS, simulated workers and two gateways (one
// with read auth), all on loopback.
func TestDashboardInBrowser(t *testing.T) {
	exe := findBrowser()
	if exe == "" {
		t.Skip("no Chromium binary on PATH (looked for " + strings.Join(browserNames, ", ") +
			"): the dashboard's browser tests need one (Debian: apt-get install chromium)")
	}
	began := time.Now()
	c := newCluster(t)
	c.startWorkers("sim", "default")
	c.startWorkers("sim", "sglang")
	edge := c.startWorkers("edge", "default")
	// No worker for transformers5: its model shows no_workers.
	open := c.startGateway(nil, nil)
	secure := c.startGateway(map[string]string{"SIE_AUTH_MODE": "token", "SIE_AUTH_TOKENS": readToken}, nil)
	seed := open.Mirror().Snapshot().Len()
	b := startBrowser(t, exe)
	t.Logf("cluster and browser up in %v", time.Since(began).Round(time.Millisecond))

	const model, stub = "acme/dashboard-e2e", "acme/stub-e2e"

	t.Run("loads without console errors", func(t *testing.T) {
		b.do(t, chromedp.Navigate(open.URL()+"/ui/"))
		b.waitJS(t, 10*time.Second, "the live stream and every model",
			liveState+` === 'on' && `+modelRows+` === `+jsonNumber(uint64(seed)))
		// The sample model of the bundle without workers is shown as such.
		if got, _ := eval[string](b, modelState("lightonai/LightOnOCR-2-1B")); got != "no_workers" {
			t.Fatalf("LightOnOCR-2-1B: %q, want no_workers", got)
		}
		if bad := b.unexpectedConsole(func(consoleEntry) bool { return false }); len(bad) > 0 {
			t.Fatalf("console errors: %v", bad)
		}
		if _, err := eval[bool](b, `window.__samePage = true`); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a POSTed model appears and turns ready without a reload", func(t *testing.T) {
		if got, _ := eval[string](b, modelState(model)); got != "" {
			t.Fatalf("%s already listed: %q", model, got)
		}
		epoch := c.write(http.MethodPost, "/v1/configs/models", strictModel(model), http.StatusCreated)
		c.waitReady(open, model, epoch)
		// The gateway says ready: the page follows within a second.
		took := b.waitJS(t, time.Second, model+" ready in the list", modelState(model)+` === 'ready'`)
		t.Logf("the page showed %s ready %v after the gateway did", model, took.Round(time.Millisecond))
		stubEpoch := c.write(http.MethodPost, "/v1/configs/models", stubModel(stub), http.StatusCreated)
		b.waitJS(t, 10*time.Second, stub+" acked but unservable", modelState(stub)+` === 'acked_unservable'`)
		if same, _ := eval[bool](b, `window.__samePage === true`); !same {
			t.Fatal("the page reloaded")
		}
		b.waitJS(t, 5*time.Second, "the header's epoch", `document.getElementById('epoch').textContent === 'config epoch `+jsonNumber(stubEpoch)+`'`)
		b.screenshot(t, "dashboard-models.png")
	})

	t.Run("one model: workers, worker view, YAML view", func(t *testing.T) {
		b.do(t, chromedp.Click(chromedp.CSS(`tr[data-model-id="`+model+`"] a`)))
		b.waitJS(t, 10*time.Second, "the model view with both default workers in sync",
			`document.querySelector('#model-detail h1') && document.querySelector('#model-detail h1').textContent === `+js(model)+
				` && `+workerCell("#model-detail", "sim-default-0", ".detail")+` === '' && `+workerCell("#model-detail", "edge-default-0", ".detail")+` === ''`)
		b.waitJS(t, 5*time.Second, "the YAML view and both gateways of the fleet-wide rollout",
			`document.querySelector('pre.yaml') && document.querySelector('pre.yaml').textContent.includes('sie_id: '+`+js(model)+`)`+
				` && document.querySelectorAll('#model-detail details.gw').length === 2`+
				` && document.querySelector('#model-detail details.gw[data-gateway=`+js(open.GatewayID())+`]') !== null`+
				` && document.querySelector('#model-detail details.gw[data-gateway=`+js(secure.GatewayID())+`]') !== null`+
				` && document.querySelector('#model-detail .note') === null`)
		for _, u := range b.requestURLs() {
			if strings.HasSuffix(u, "/status") {
				t.Fatalf("fell back to %s although /rollout answered", u)
			}
		}
		if bad := b.unexpectedConsole(func(consoleEntry) bool { return false }); len(bad) > 0 {
			t.Fatalf("console errors: %v", bad)
		}
	})

	t.Run("a dropped worker shows disconnected", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		edge.Shutdown(ctx)
		cancel()
		b.waitJS(t, 5*time.Second, "edge-default-0 disconnected in the model view",
			workerCell("#model-detail", "edge-default-0", ".detail")+` === 'disconnected'`)
		// An unhealthy worker does not block ready.
		b.waitJS(t, 2*time.Second, "the model still ready", `document.querySelector('#model-detail .head .badge').dataset.value === 'ready'`)
		b.screenshot(t, "dashboard-model.png")
		b.do(t, chromedp.Click(chromedp.CSS(`#tab-workers`)))
		b.waitJS(t, 5*time.Second, "edge-default-0 disconnected and unhealthy in the workers view",
			workerCell("#workers-table", "edge-default-0", ".detail")+` === 'disconnected' && `+
				workerCell("#workers-table", "edge-default-0", "td:nth-child(3)")+` === 'unhealthy' && `+
				workerCell("#workers-table", "sim-default-0", ".detail")+` === ''`)
		b.screenshot(t, "dashboard-workers.png")
		if _, err := eval[string](b, `location.hash = '#/models/' + encodeURIComponent(`+js(stub)+`)`); err != nil {
			t.Fatal(err)
		}
		b.waitJS(t, 10*time.Second, "the stub's worker view reasons",
			`document.querySelectorAll('#model-detail .reasons li').length > 0`)
		b.screenshot(t, "dashboard-model-stub.png")
		if bad := b.unexpectedConsole(func(consoleEntry) bool { return false }); len(bad) > 0 {
			t.Fatalf("console errors: %v", bad)
		}
	})

	t.Run("read auth: asks once, a wrong token is refused clearly", func(t *testing.T) {
		s := b.newTab(t)
		s.do(t, chromedp.Navigate(secure.URL()+"/ui/"))
		s.waitJS(t, 10*time.Second, "the sign-in dialog",
			`!document.getElementById('auth').hidden && `+liveState+` === 'auth'`)
		s.do(t, chromedp.SendKeys(chromedp.CSS("#auth-token"), "not-the-token"), chromedp.Click(chromedp.CSS("#auth-submit")))
		s.waitJS(t, 5*time.Second, "the refusal",
			`!document.getElementById('auth-error').hidden && document.getElementById('auth-error').textContent.includes('rejected this token')`)
		s.screenshot(t, "dashboard-sign-in.png")
		if _, err := eval[string](s, `document.getElementById('auth-token').value = ''`); err != nil {
			t.Fatal(err)
		}
		s.do(t, chromedp.SendKeys(chromedp.CSS("#auth-token"), readToken), chromedp.Click(chromedp.CSS("#auth-submit")))
		s.waitJS(t, 10*time.Second, "the models after sign-in",
			`document.getElementById('auth').hidden && `+liveState+` === 'on' && `+modelRows+` === `+jsonNumber(uint64(seed+2)))
		// Once per tab: a reload reads the models without asking again.
		s.do(t, chromedp.Reload())
		s.waitJS(t, 10*time.Second, "the models after a reload",
			liveState+` === 'on' && `+modelRows+` === `+jsonNumber(uint64(seed+2)))
		if shown, _ := eval[bool](s, `!document.getElementById('auth').hidden`); shown {
			t.Fatal("the reloaded page asked for the token again")
		}
		for _, u := range s.requestURLs() {
			if strings.Contains(u, readToken) {
				t.Fatalf("the token is in a URL: %s", u)
			}
		}
		if href, _ := eval[string](s, `location.href`); strings.Contains(href, readToken) {
			t.Fatalf("the token is in the page's URL: %s", href)
		}
		// The only errors are the gateway's two 401s: before the token, and for the wrong one.
		unauthorized := anyOf(failedRequest("401", "/v1/dashboard/events"), failedRequest("401", "/v1/dashboard"))
		if bad := s.unexpectedConsole(unauthorized); len(bad) > 0 {
			t.Fatalf("console errors: %v", bad)
		}
	})

	t.Run("shows every gateway once the fleet-wide rollout answers", func(t *testing.T) {
		proxy := httptest.NewServer(rolloutProxy(t, open.URL(), map[string]string{"gw-a": open.URL(), "gw-b": secure.URL()}, "gw-c"))
		t.Cleanup(proxy.Close)
		p := b.newTab(t)
		p.do(t, chromedp.Navigate(proxy.URL+"/ui/#/models/"+url.PathEscape(model)))
		p.waitJS(t, 10*time.Second, "both gateways, the missing one named",
			`document.querySelectorAll('#model-detail details.gw').length === 2`+
				` && document.querySelector('#model-detail details.gw[data-gateway="gw-b"]') !== null`+
				` && document.querySelector('#model-detail .head .badge').dataset.value === 'pending'`+
				` && document.querySelector('#model-detail .note').textContent.includes('gw-c')`)
		for _, u := range p.requestURLs() {
			if strings.HasSuffix(u, "/status") {
				t.Fatalf("fell back to %s although /rollout answered", u)
			}
		}
		if bad := p.unexpectedConsole(func(consoleEntry) bool { return false }); len(bad) > 0 {
			t.Fatalf("console errors: %v", bad)
		}
	})

	t.Run("a gateway without the rollout route: its own view, said so", func(t *testing.T) {
		proxy := httptest.NewServer(noRolloutProxy(t, open.URL()))
		t.Cleanup(proxy.Close)
		p := b.newTab(t)
		p.do(t, chromedp.Navigate(proxy.URL+"/ui/#/models/"+url.PathEscape(model)))
		p.waitJS(t, 10*time.Second, "one gateway and the fallback note",
			`document.querySelectorAll('#model-detail details.gw').length === 1`+
				` && document.querySelector('#model-detail .note') !== null`+
				` && document.querySelector('#model-detail .note').textContent.includes('does not serve the fleet-wide rollout view')`)
		if bad := p.unexpectedConsole(failedRequest("404", "/rollout")); len(bad) > 0 {
			t.Fatalf("console errors: %v", bad)
		}
	})

	t.Run("falls back to polling when a proxy holds the stream", func(t *testing.T) {
		proxy := httptest.NewServer(streamHoldingProxy(t, open.URL()))
		t.Cleanup(proxy.Close)
		p := b.newTab(t)
		p.do(t, chromedp.Navigate(proxy.URL+"/ui/"))
		p.waitJS(t, 10*time.Second, "polling", liveState+` === 'poll' && `+modelRows+` === `+jsonNumber(uint64(seed+2)))
		c.write(http.MethodDelete, "/v1/configs/models/"+stub, "", http.StatusOK)
		testkit.Eventually(t, 10*time.Second, "the gateway drops "+stub, func() bool { return open.Mirror().Snapshot().Exact(stub) == nil })
		took := p.waitJS(t, 3*time.Second, stub+" gone from the polled list", modelState(stub)+` === ''`)
		t.Logf("polling showed the delete %v after the gateway applied it", took.Round(time.Millisecond))
		if bad := p.unexpectedConsole(func(consoleEntry) bool { return false }); len(bad) > 0 {
			t.Fatalf("console errors: %v", bad)
		}
	})
	t.Logf("browser tests took %v", time.Since(began).Round(time.Millisecond))
}

// streamHoldingProxy forwards to target, except that it answers the event
// stream with headers and then nothing, as a proxy that buffers it would.
func streamHoldingProxy(t *testing.T, target string) http.Handler {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = nil
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/dashboard/events" {
			w.Header().Set("Content-Type", "text/event-stream")
			w.WriteHeader(http.StatusOK)
			if err := http.NewResponseController(w).Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
				return
			}
			<-r.Context().Done()
			return
		}
		rp.ServeHTTP(w, r)
	})
}

// noRolloutProxy forwards to target, except that it answers GET
// …/{id}/rollout with 404, as a gateway from before the route does.
func noRolloutProxy(t *testing.T, target string) http.Handler {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/configs/models/") && strings.HasSuffix(r.URL.Path, "/rollout") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"message":"Model not found"}`))
			return
		}
		rp.ServeHTTP(w, r)
	})
}

// rolloutProxy forwards to target and answers GET …/{id}/rollout as a
// gateway with the fleet-wide view would: the status views of the named
// gateways (read with the read token), and one gateway that never answers.
func rolloutProxy(t *testing.T, target string, gateways map[string]string, missing string) http.Handler {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/v1/configs/models/"), "/rollout")
		if !ok || !strings.HasPrefix(r.URL.Path, "/v1/configs/models/") {
			rp.ServeHTTP(w, r)
			return
		}
		var views []map[string]any
		acked, eligible := map[string]bool{}, map[string]bool{} // distinct worker names
		for _, name := range []string{"gw-a", "gw-b"} {
			req, _ := http.NewRequest(http.MethodGet, gateways[name]+"/v1/configs/models/"+id+"/status", nil)
			req.Header.Set("Authorization", "Bearer "+readToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			var v map[string]any
			err = json.NewDecoder(resp.Body).Decode(&v)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				http.Error(w, "status", http.StatusNotFound)
				return
			}
			v["gateway_id"] = name
			for _, b := range v["bundles"].([]any) {
				bm := b.(map[string]any)
				for _, n := range bm["acked_workers"].([]any) {
					acked[n.(string)], eligible[n.(string)] = true, true
				}
				for _, n := range bm["pending_workers"].([]any) {
					eligible[n.(string)] = true
				}
			}
			views = append(views, v)
		}
		body, _ := json.Marshal(map[string]any{
			"all_gateways_ready": false, "config_epoch": views[0]["config_epoch"], "gateways": views,
			"gateways_answered": len(views), "gateways_known": len(views) + 1,
			"message": "gateway " + missing + " did not answer", "missing_gateways": []string{missing},
			"model_id": views[0]["model_id"], "reason": "gateways_missing", "state": "pending",
			"totals": map[string]any{"acked_workers": len(acked), "eligible_workers": len(eligible)},
		})
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
}
