package faulttest

// What a new user does: the three binaries started by hand, as separate
// processes, with only the documented variables.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

var sieWorkerSimBin = &binary{name: "sie-worker-sim"}

// child is one binary started by hand, logging to a file.
type child struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

func startChild(t *testing.T, name string, bin string, env []string, args ...string) *child {
	t.Helper()
	c := &child{name: name, log: filepath.Join(t.TempDir(), name+".log"), done: make(chan struct{})}
	f, err := os.Create(c.log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c.cmd = exec.Command(bin, args...)
	c.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	c.cmd.Stdout, c.cmd.Stderr = f, f
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = c.cmd.Wait(); close(c.done) }()
	t.Cleanup(func() { _ = c.cmd.Process.Kill(); <-c.done })
	return c
}

// stop sends SIGTERM and waits for a clean exit.
func (c *child) stop(t *testing.T) {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not stop on SIGTERM", c.name)
	}
	if code := c.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("%s exited %d after SIGTERM:\n%s", c.name, code, c.logs())
	}
}

func (c *child) logs() string {
	data, _ := os.ReadFile(c.log)
	return string(data)
}

// TestByHandConvergesThroughNATS: sie-config, sie-gateway and
// sie-worker-sim wired by hand with the documented variables only (no
// POD_NAME, no SIE_NATS_CONFIG_TRUSTED_PRODUCERS) used to drop every delta
// (the router id <hostname>-<pid> was untrusted) and converge only through
// the 30 s poll. The gateway now trusts the sie-config it bootstraps from:
// a write reaches the gateway and the worker's ack in under a second. A
// clean shutdown of each logs no WARNING.
func TestByHandConvergesThroughNATS(t *testing.T) {
	ns := startNATS(t, 0)
	w := newWorld(t, "byhand", 1, 1)
	bundles, models := filepath.Join(w.catalog, "bundles"), filepath.Join(w.catalog, "models")
	cfgPort, gwPort, wkPort := testkit.FreePort(t), testkit.FreePort(t), testkit.FreePort(t)
	cfgURL := "http://127.0.0.1:" + strconv.Itoa(cfgPort)
	gwURL := "http://127.0.0.1:" + strconv.Itoa(gwPort)
	wkURL := "http://127.0.0.1:" + strconv.Itoa(wkPort)

	cfg := startChild(t, "sie-config", sieConfigBin.Path(t),
		[]string{"SIE_BUNDLES_DIR=" + bundles, "SIE_MODELS_DIR=" + models, "SIE_NATS_URL=" + ns.URL()},
		"serve", "--host", "127.0.0.1", "--port", strconv.Itoa(cfgPort))
	wk := startChild(t, "sie-worker-sim", sieWorkerSimBin.Path(t),
		[]string{"SIE_NATS_URL=" + ns.URL()},
		"--bundle", "default", "--models-dir", models, "--bundles-dir", bundles, "--host", "127.0.0.1", "--port", strconv.Itoa(wkPort))
	gw := startChild(t, "sie-gateway", sieGatewayBin.Path(t),
		[]string{"SIE_CONFIG_SERVICE_URL=" + cfgURL, "SIE_NATS_URL=" + ns.URL(), "SIE_GATEWAY_WORKERS=" + wkURL},
		"serve", "--host", "127.0.0.1", "--port", strconv.Itoa(gwPort))

	waitNATSConnected(t, cfgURL, true)
	testkit.Eventually(t, 20*time.Second, "gateway ready with a healthy worker", func() (bool, string) {
		code, body, err := httpDo(gwURL, "GET", "/readyz", nil)
		return code == 200 && strings.Contains(string(body), `"healthy_workers":1`), fmt.Sprint(code, string(body), err)
	})
	testkit.Eventually(t, 20*time.Second, "everyone on NATS", func() (bool, string) {
		return ns.Subscriptions() >= 2 && sumMetric(scrape(gwURL), "sie_gateway_nats_connected") == 1, ""
	})
	if !strings.Contains(gw.logs(), "trusting config deltas from the sie-config this gateway bootstraps from") {
		t.Fatalf("the gateway does not say it trusts its bootstrap source:\n%s", gw.logs())
	}

	id := "byhand/embedder"
	doc := "sie_id: " + id + "\nhf_id: sentence-transformers/all-MiniLM-L6-v2\ntasks:\n  encode:\n    dense:\n      dim: 384\n" +
		"profiles:\n  default:\n    adapter_path: sie_server.adapters.sentence_transformer:SentenceTransformerAdapter\n    max_batch_tokens: 8192\n"
	start := time.Now()
	code, body := mustDo(t, cfgURL, "POST", "/v1/configs/models", []byte(doc))
	if code != 201 || !strings.Contains(string(body), `"warnings":[]`) {
		t.Fatalf("POST: %d %s", code, body)
	}
	testkit.Eventually(t, 5*time.Second, "the worker's ack seen by the gateway", func() (bool, string) {
		code, body, _ := httpDo(gwURL, "GET", modelPath(id)+"/status", nil)
		return code == 200 && strings.Contains(string(body), `"all_bundles_acked":true`), string(body)
	})
	took := time.Since(start)
	if took > time.Second {
		t.Errorf("the write took %s to be acked through the gateway (the poll is 30 s: NATS must carry it)", took)
	}
	if n := sumMetric(scrape(gwURL), "sie_gateway_config_deltas_total", `result="rejected_untrusted"`); n != 0 {
		t.Errorf("%v deltas rejected as untrusted", n)
	}

	// Clean shutdown: no WARNING from anyone (the NATS drain is INFO).
	marks := map[*child]int{gw: len(gw.logs()), wk: len(wk.logs()), cfg: len(cfg.logs())}
	for _, c := range []*child{gw, wk, cfg} {
		c.stop(t)
		shutdown := c.logs()[marks[c]:]
		if strings.Contains(shutdown, "level=WARN") || strings.Contains(shutdown, `"level":"WARN`) {
			t.Errorf("%s logged a warning while shutting down:\n%s", c.name, shutdown)
		}
		if c != wk && !strings.Contains(shutdown, "nats disconnected") {
			t.Errorf("%s does not log its NATS drain:\n%s", c.name, shutdown)
		}
	}
	report(t, map[string]any{"write_to_ack_ms": took.Milliseconds()})
}

// TestStoreURLWithoutBucket: SIE_CONFIG_STORE_DIR=s3:// (or gs://) used to
// start and create a local directory "s3:". It exits 1 with a clear error
// and creates nothing.
func TestStoreURLWithoutBucket(t *testing.T) {
	w := newWorld(t, "nobucket", 1, 1)
	bin := sieConfigBin.Path(t)
	for _, url := range []string{"s3://", "gs://", "s3:///prefix", "gs:////"} {
		dir := t.TempDir()
		cmd := exec.Command(bin, "serve", "--host", "127.0.0.1", "--port", strconv.Itoa(testkit.FreePort(t)))
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "SIE_CONFIG_STORE_DIR=" + url,
			"SIE_BUNDLES_DIR=" + filepath.Join(w.catalog, "bundles"), "SIE_MODELS_DIR=" + filepath.Join(w.catalog, "models")}
		done := make(chan struct{})
		var out []byte
		var err error
		go func() { out, err = cmd.CombinedOutput(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("%s: sie-config started", url)
		}
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "no bucket") {
			t.Errorf("%s: %v, output %s", url, err, out)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%s created %v locally", url, entries)
		}
	}
}
