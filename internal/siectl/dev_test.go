package siectl

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

// busyPort holds a loopback port until the test ends.
func busyPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

// TestDevListsEveryPortConflictAtOnce: all busy ports are named with the
// flag that moves them, at once (no 10 s wait), and the temporary data
// directory of the failed start is removed.
func TestDevListsEveryPortConflictAtOnce(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	nats, config, worker, gateway := busyPort(t), busyPort(t), busyPort(t), busyPort(t)
	start := time.Now()
	code, out := run(t, nil, "dev", "-q", "--nats-port", strconv.Itoa(nats), "--config-port", strconv.Itoa(config),
		"--worker-port", strconv.Itoa(worker), "--gateway-port", strconv.Itoa(gateway), "--workers-per-bundle", "1")
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v to report busy ports", d)
	}
	mustContain(t, out, "port(s) on 127.0.0.1 cannot be used; nothing was started",
		strconv.Itoa(nats)+" (NATS): in use; change --nats-port",
		strconv.Itoa(config)+" (sie-config): in use; change --config-port",
		strconv.Itoa(worker)+" (worker 1 of bundle ", "in use; change --worker-port",
		strconv.Itoa(gateway)+" (gateway 1): in use; change --gateway-port")
	left, _ := filepath.Glob(filepath.Join(tmp, "sie-dev-*"))
	if len(left) != 0 {
		t.Fatalf("a failed start left %v", left)
	}
}

func TestDevPortPlanStepsOverTakenPorts(t *testing.T) {
	d := &devOptions{natsPort: 4222, configPort: 8081, gatewayPort: 8080, gateways: 3, workerPort: 8082, workersPerBundle: 1}
	ports, gw := devPortPlan(d, []string{"default", "sglang"})
	if got := strconv.Itoa(gw[0]) + "," + strconv.Itoa(gw[1]) + "," + strconv.Itoa(gw[2]); got != "8080,8084,8085" {
		t.Fatalf("gateway ports %s", got)
	}
	if len(ports) != 7 {
		t.Fatalf("%d ports planned", len(ports))
	}
	d.configPort = 4222 // the same port twice is a conflict too
	err := checkDevPorts([]devPort{{4222, "NATS", "--nats-port"}, {4222, "sie-config", "--config-port"}})
	if err == nil || !strings.Contains(err.Error(), "4222 (sie-config): also planned for NATS; change --config-port") {
		t.Fatalf("duplicate port: %v", err)
	}
}

// TestDevPrintsWritesAndAcks: one line per write and per change of the
// written model's ack counts.
func TestDevPrintsWritesAndAcks(t *testing.T) {
	cl := testCluster(t, t.TempDir())
	defer cl.stop()
	var out testkit.Logs
	stop, err := cl.watch(context.Background(), &options{env: func(string) string { return "" }}, &out)
	must(t, err)
	defer stop()
	env := devEnv(cl)
	mustRun(t, env, 0, "apply", "-f", cl.exampleFile)
	testkit.Eventually(t, 20*time.Second, "the ack line", func() bool { return strings.Contains(out.String(), "(all acked)") })
	mustRun(t, env, 0, "delete", cl.exampleModel)
	testkit.Eventually(t, 10*time.Second, "the delete line", func() bool { return strings.Contains(out.String(), "epoch 2") })
	got := out.String()
	mustContain(t, got, "write  epoch 1  my-org/my-embedder written, profiles added: default  (bundles default)\n",
		"acks   my-org/my-embedder  default 1/1 workers acked  (all acked)\n",
		"write  epoch 2  my-org/my-embedder deleted (API document removed)  (bundles default)\n")
	if n := strings.Count(got, "write  epoch 1 "); n != 1 {
		t.Fatalf("%d lines for one write:\n%s", n, got)
	}
}

// TestDevStoreLivesInDataDirStore, and a data directory of an older siectl
// (store files at its top) is moved there.
func TestDevStoreLivesInDataDirStore(t *testing.T) {
	dataDir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dataDir, "models"), 0o755))
	must(t, os.WriteFile(filepath.Join(dataDir, "epoch"), []byte("3"), 0o644))
	must(t, os.WriteFile(filepath.Join(dataDir, "models", "org__old.yaml"), []byte(exampleModel("org/old")), 0o644))
	cl := testCluster(t, dataDir)
	defer cl.stop()
	env := devEnv(cl)
	mustContain(t, mustRun(t, env, 0, "epoch"), "epoch 3 ")
	mustContain(t, mustRun(t, env, 0, "get", "model", "org/old"), "sie_id: org/old")
	mustRun(t, env, 0, "apply", "-f", cl.exampleFile)
	for _, p := range []string{"store/epoch", "store/models/org__old.yaml", "store/models/my-org__my-embedder.yaml", "catalog/bundles", "example-model.yaml"} {
		if _, err := os.Stat(filepath.Join(dataDir, p)); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	for _, p := range []string{"epoch", "models"} {
		if _, err := os.Stat(filepath.Join(dataDir, p)); err == nil {
			t.Fatalf("%s is still at the top of the data directory", p)
		}
	}
}
