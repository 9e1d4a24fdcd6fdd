package siectl

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

// `siectl dev --store nats --secure` keeps sie-config's store in the
// embedded NATS's JetStream, reached with sie-config's least-privilege
// user, and a restart with the same --data-dir serves what it stored.
func TestDevStoreNATSKeepsModelsAcrossRestart(t *testing.T) {
	dataDir := t.TempDir()
	start := func() *devCluster {
		d := &devOptions{dataDir: dataDir, gateways: 1, natsPort: -1, workersPerBundle: 1, logLevel: "error", secure: true, store: devStoreNATS}
		cl, err := startDev(context.Background(), d, &options{env: func(string) string { return "" }})
		must(t, err)
		return cl
	}
	cl := start()
	var banner bytes.Buffer
	cl.printBanner(&banner)
	mustContain(t, banner.String(), "(store nats://sie-dev (JetStream data in "+filepath.Join(dataDir, "jetstream")+"))")
	mustRun(t, devEnv(cl), 0, "apply", "-f", cl.exampleFile)
	cl.stop()
	if _, err := os.Stat(filepath.Join(dataDir, "store")); err == nil {
		t.Fatal("a nats store also wrote DATA_DIR/store")
	}

	cl2 := start()
	defer cl2.stop()
	url := cl2.gateways[0].URL() + "/v1/configs/models/" + cl2.exampleModel + "/status"
	testkit.Eventually(t, 20*time.Second, "the restarted cluster serves and acks the stored model", func() (bool, string) {
		body := httpGet(t, url)
		return strings.Contains(body, `"state":"ready"`), body
	})
}

func TestDevStoreInvalid(t *testing.T) {
	code, out := run(t, nil, "dev", "--store", "s3")
	if code != 2 || !strings.Contains(out, "--store must be local or nats") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}
