package siectl

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

// quickExample is the repository's copy of the public Config API page's
// Quick Example: no tasks, so workers can hold it only as a stub. Before
// catch-up, a dev cluster that had stored it could not start again (its
// workers refused the file).
var quickExample = filepath.Join(testkit.RepoRoot(), "testdata", "quick-example.yaml")

// `siectl dev --data-dir D` restarts from any store it wrote, and its
// workers catch up on the stored documents instead of having them copied
// into their models directories.
func TestDevRestartsAfterQuickExample(t *testing.T) {
	dataDir := t.TempDir()
	cl := testCluster(t, dataDir)
	env := map[string]string{"SIE_CONFIG_URL": cl.config.URL()}
	if code, out := run(t, env, "apply", "-f", quickExample); code != 0 {
		t.Fatalf("apply: %d %s", code, out)
	}
	cl.stop()

	cl2 := testCluster(t, dataDir)
	defer cl2.stop()
	// Every gateway sees every worker ack the stored stub (their hash
	// equals the gateway's expectation), with no file copied by hand.
	for _, g := range cl2.gateways {
		url := g.URL() + "/v1/configs/models/intfloat/multilingual-e5-base/status"
		testkit.Eventually(t, 20*time.Second, "the restarted workers ack the stored document", func() bool {
			body := httpGet(t, url)
			return strings.Contains(body, `"all_bundles_acked":true`)
		})
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}
