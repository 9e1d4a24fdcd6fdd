package siectl

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// The banner names the first gateway's dashboard, and the page is there.
func TestDevBannerPrintsTheDashboard(t *testing.T) {
	cl := testCluster(t, t.TempDir())
	t.Cleanup(cl.stop)
	var banner bytes.Buffer
	cl.printBanner(&banner)
	m := regexp.MustCompile(`(?m)^  dashboard   (http://\S+/ui/)`).FindStringSubmatch(banner.String())
	if m == nil || m[1] != cl.gateways[0].URL()+"/ui/" {
		t.Fatalf("no dashboard line for gateway 1 (%s):\n%s", cl.gateways[0].URL(), banner.String())
	}
	resp, err := http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<title>SIE gateway</title>") {
		t.Fatalf("%s: %d", m[1], resp.StatusCode)
	}
}
