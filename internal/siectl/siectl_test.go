package siectl

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testCluster runs `siectl dev`'s cluster in-process on ephemeral ports.
func testCluster(t *testing.T, dataDir string) *devCluster {
	t.Helper()
	return testClusterEnv(t, dataDir, nil)
}

// testClusterEnv is testCluster with environment variables for dev (tokens).
func testClusterEnv(t *testing.T, dataDir string, env map[string]string) *devCluster {
	t.Helper()
	d := &devOptions{dataDir: dataDir, configPort: 0, gatewayPort: 0, gateways: 2, natsPort: -1, workerPort: 0, workersPerBundle: 1, logLevel: "error"}
	cl, err := startDev(context.Background(), d, &options{env: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// run executes siectl and returns its exit code and output.
func run(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String() + errOut.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCLIAgainstDevCluster(t *testing.T) {
	dataDir := t.TempDir()
	cl := testCluster(t, dataDir)
	env := map[string]string{"SIE_CONFIG_URL": cl.config.URL(), "SIE_GATEWAY_URL": cl.gateways[0].URL(),
		"SIE_BUNDLES_DIR": filepath.Join(cl.catalogDir, "bundles")}
	gateways := cl.gateways[0].URL() + "," + cl.gateways[1].URL()

	// apply: created, then unchanged on a re-run.
	if code, out := run(t, env, "apply", "-f", cl.exampleFile); code != 0 || !strings.Contains(out, "created my-org/my-embedder  (epoch 1)") {
		t.Fatalf("apply: %d %s", code, out)
	}
	if code, out := run(t, env, "apply", "-f", cl.exampleFile); code != 0 || !strings.Contains(out, "1 unchanged; epoch 1.") {
		t.Fatalf("re-apply: %d %s", code, out)
	}
	// A changed profile is a replacement; a new file a creation.
	dir := t.TempDir()
	writeFile(t, dir, "a.yaml", strings.Replace(exampleModel("my-org/my-embedder"), "8192", "4096", 1))
	writeFile(t, dir, "b.yaml", exampleModel("my-org/second"))
	code, out := run(t, env, "apply", "-f", dir)
	if code != 0 || !strings.Contains(out, "replaced my-org/my-embedder") || !strings.Contains(out, "created my-org/second") {
		t.Fatalf("apply dir: %d %s", code, out)
	}

	// status: every replica reports the new model ready.
	if code, out := run(t, env, "status", "my-org/second", "--wait", "--timeout", "20s", "--gateways", gateways); code != 0 ||
		!strings.Contains(out, "ready on 2 gateway replica(s)") || !strings.Contains(out, "gw2 state    ready") ||
		!strings.Contains(out, "gw1 message  1 of 1 workers of bundle default report the expected config") {
		t.Fatalf("status --wait: %d %s", code, out)
	}
	if code, out := run(t, env, "status", "no/such-model", "--wait", "--timeout", "300ms", "--gateways", gateways); code != 1 || !strings.Contains(out, "no/such-model is not ready") || !strings.Contains(out, "404") {
		t.Fatalf("status of an unknown model: %d %s", code, out)
	}
	// The same through one gateway's fleet-wide rollout view.
	if code, out := run(t, env, "status", "my-org/second", "--wait", "--timeout", "20s"); code != 0 ||
		!strings.Contains(out, "my-org/second: ready on 2 gateway(s), 1/1 workers acked") || !strings.Contains(out, "gateways  2 of 2 answered") {
		t.Fatalf("status --wait through /rollout: %d %s", code, out)
	}
	if code, out := run(t, env, "status", "no/such-model", "--wait", "--timeout", "300ms"); code != 1 || !strings.Contains(out, "no/such-model is not ready") || !strings.Contains(out, "404") {
		t.Fatalf("status of an unknown model through /rollout: %d %s", code, out)
	}

	// reads
	if code, out := run(t, env, "get", "models"); code != 0 || !strings.Contains(out, "my-org/second") || !strings.Contains(out, "BAAI/bge-m3") {
		t.Fatalf("get models: %d %s", code, out)
	}
	if code, out := run(t, env, "get", "bundles", "-o", "json"); code != 0 || !json.Valid([]byte(out)) || !strings.Contains(out, `"bundle_id":"default"`) {
		t.Fatalf("get bundles -o json: %d %s", code, out)
	}
	if code, out := run(t, env, "get", "model", "my-org/second"); code != 0 || !strings.Contains(out, "sie_id: my-org/second") {
		t.Fatalf("get model: %d %s", code, out)
	}
	if code, out := run(t, env, "get", "model", "no/such"); code != 1 || !strings.Contains(out, "HTTP 404 model_not_found: Model 'no/such' does not exist in the catalog.") {
		t.Fatalf("get unknown model: %d %s", code, out)
	}
	if code, out := run(t, env, "resolve", "BAAI/bge-m3", "-o", "json"); code != 0 || !strings.Contains(out, `"resolved_bundle":"default"`) {
		t.Fatalf("resolve: %d %s", code, out)
	}
	if code, out := run(t, env, "export", "-o", "json"); code != 0 || !strings.Contains(out, `"snapshot_version":1`) {
		t.Fatalf("export: %d %s", code, out)
	}

	// dev restores what the first run added.
	cl.stop()
	cl2 := testCluster(t, dataDir)
	defer cl2.stop()
	env["SIE_CONFIG_URL"] = cl2.config.URL()
	if code, out := run(t, env, "get", "models"); code != 0 || !strings.Contains(out, "my-org/second") {
		t.Fatalf("after restart: %d %s", code, out)
	}
	if code, out := run(t, env, "status", "my-org/second", "--wait", "--timeout", "20s", "--gateways", cl2.gateways[0].URL()); code != 0 {
		t.Fatalf("status after restart (workers see restored models): %d %s", code, out)
	}
}
