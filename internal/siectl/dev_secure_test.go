package siectl

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sieproject/sie/internal/testkit"
)

// TestDevSecure: `siectl dev --secure` runs NATS with one user per
// component. Writes still reach gateways and workers through NATS, an
// anonymous client is refused, a gateway cannot forge a delta, and no
// password is printed.
func TestDevSecure(t *testing.T) {
	d := &devOptions{dataDir: t.TempDir(), gateways: 1, natsPort: -1, workersPerBundle: 1, logLevel: "error", secure: true}
	cl, err := startDev(context.Background(), d, &options{env: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.stop)

	var banner bytes.Buffer
	cl.printBanner(&banner)
	if strings.Contains(banner.String(), cl.natsAuth.Config.Password) || !strings.Contains(banner.String(), "secure: one user per component") {
		t.Fatalf("banner:\n%s", banner.String())
	}
	if st, err := os.Stat(cl.natsUsersFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("users file: %v %v", st, err)
	}

	if c, err := nats.Connect(cl.natsURL); err == nil {
		c.Close()
		t.Fatal("an anonymous client was admitted")
	}
	errs := make(chan error, 4)
	gw, err := nats.Connect(cl.natsURL, nats.UserInfo(cl.natsAuth.Gateway.User, cl.natsAuth.Gateway.Password),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	if err := gw.Publish("sie.config.models._all", []byte(`{"router_id":"sie-config","bundle_id":"default","epoch":99,"bundle_config_hash":"x"}`)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-errs:
	case <-time.After(5 * time.Second):
		t.Fatal("a gateway's forged delta was not refused")
	}

	body, _ := os.ReadFile(cl.exampleFile)
	resp, err := http.Post(cl.config.URL()+"/v1/configs/models", "application/x-yaml", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || !strings.Contains(string(out), `"warnings":[]`) {
		t.Fatalf("POST: %d %s", resp.StatusCode, out)
	}
	status := cl.gateways[0].URL() + "/v1/configs/models/" + cl.exampleModel + "/status"
	testkit.Eventually(t, 20*time.Second, "the workers ack through the secure NATS", func() (bool, string) {
		resp, err := http.Get(status)
		if err != nil {
			return false, err.Error()
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return strings.Contains(string(b), `"all_bundles_acked":true`), string(b)
	})
}
