package faulttest

// The adversarial suite, part 4: an export larger than the old 256 MiB cap,
// and a full volume.

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

// TestAdvLargeExportResyncs: /export was built in memory with every
// document twice (452 MB RSS for a 72 MB export) and the gateway read at
// most 256 MiB, so past that every resync failed for good. The export is
// now streamed and decoded as a stream; the gateway's cap is
// SIE_GATEWAY_EXPORT_MAX_BYTES (1 GiB). A store of documents of about 1 MB
// each is restored by the real sie-config and mirrored by the real
// gateway; a second gateway with a smaller cap refuses the export, and
// says which variable to raise.
//
// SIE_FAULT_EXPORT_MB sets the export size (default 300).
func TestAdvLargeExportResyncs(t *testing.T) {
	mb := envInt(t, "SIE_FAULT_EXPORT_MB", 300, 4)
	w := newWorld(t, "export", 1, 1)
	store := t.TempDir()
	if err := os.MkdirAll(filepath.Join(store, "models"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Each document appears twice in the export (raw_yaml and
	// model_config): 1 MB of text per document is 2 MB of export.
	n := (mb + 1) / 2
	desc := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB of text
	for i := range n {
		id := fmt.Sprintf("export/big-%03d", i)
		text := "sie_id: " + id + "\n" + validProfile + "description: " + desc + "\n"
		if err := os.WriteFile(filepath.Join(store, "models", strings.ReplaceAll(id, "/", "__")+".yaml"), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(store, "epoch"), []byte("7"), 0o600); err != nil {
		t.Fatal(err)
	}
	proc := newConfigProc(t, configOptions{CatalogDir: w.catalog, StoreDir: store, Restore: true})
	sieConfigBin.Path(t) // built before the clock starts
	sieGatewayBin.Path(t)
	t0 := time.Now()
	proc.Start()
	testkit.Eventually(t, 120*time.Second, "sie-config restored the store", func() (bool, string) {
		code, _, err := httpDo(proc.URL(), "GET", "/readyz", nil)
		return code == 200, fmt.Sprint(code, err)
	})
	restored := time.Since(t0)
	cpid := proc.cmd.Process.Pid

	// The export's size, read as any client would.
	t1 := time.Now()
	exportBytes := streamedSize(t, proc.URL()+"/v1/configs/export")
	exportTook := time.Since(t1)
	if exportBytes < mb<<20*9/10 {
		t.Fatalf("the export is %d bytes, want about %d MiB", exportBytes, mb)
	}
	_, configPeak := memory(t, cpid)

	t2 := time.Now()
	gw := startGatewayProcWith(t, gatewayProcOptions{Name: "gw-large", ConfigURL: proc.URL(), Poll: time.Hour,
		WaitReady: true, ReadyWithin: 180 * time.Second})
	resync := time.Since(t2)
	models, err := gatewayList(gw.URL())
	if err != nil {
		t.Fatal(err)
	}
	if got := countPrefix(models, "export/big-"); got != n {
		t.Fatalf("the gateway holds %d of the %d large models", got, n)
	}
	_, gwPeak := memory(t, gw.cmd.Process.Pid)

	// A gateway whose cap is below the export refuses it and says why.
	small := startGatewayProcWith(t, gatewayProcOptions{Name: "gw-capped", ConfigURL: proc.URL(), Poll: time.Hour,
		Env: []string{fmt.Sprintf("SIE_GATEWAY_EXPORT_MAX_BYTES=%d", min(exportBytes/2, 16<<20))}})
	testkit.Eventually(t, 60*time.Second, "the capped gateway reports the cap", func() (bool, string) {
		return strings.Contains(small.Logs(), "SIE_GATEWAY_EXPORT_MAX_BYTES"), small.Logs() + fmt.Sprint(sumMetric(scrape(small.URL()), "sie_gateway_config_resyncs_total"), sumMetric(scrape(small.URL()), "sie_gateway_config_bootstrap_failures_total"))
	})
	if code, _, _ := httpDo(small.URL(), "GET", "/readyz", nil); code != 503 {
		t.Errorf("the capped gateway is ready (%d) without the export", code)
	}
	report(t, map[string]any{"export_mib": exportBytes >> 20, "models": n, "restore_s": restored.Seconds(),
		"export_read_s": exportTook.Seconds(), "gateway_bootstrap_s": resync.Seconds(),
		"config_peak_mib": configPeak, "gateway_peak_mib": gwPeak})
}

// streamedSize reads a response to the end without keeping it.
func streamedSize(t testing.TB, url string) int {
	t.Helper()
	resp, err := httpClient.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return int(n)
}

func countPrefix(m map[string][]string, prefix string) int {
	n := 0
	for id := range m {
		if strings.HasPrefix(id, prefix) {
			n++
		}
	}
	return n
}

// TestAdvDeleteOnFullVolume: a DELETE used to be refused on a full volume,
// so the store could not be repaired through the API. On a full 1 MiB
// volume a POST now fails cleanly (503, the reason, no path) and a DELETE
// succeeds; after it, the POST succeeds too. Skipped where the test cannot
// mount a small tmpfs (it needs root).
func TestAdvDeleteOnFullVolume(t *testing.T) {
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", mnt).Run() })
	w := newWorld(t, "full", 1, 3)
	store := filepath.Join(mnt, "store")
	proc := newConfigProc(t, configOptions{CatalogDir: w.catalog, StoreDir: store})
	proc.Start()
	base := proc.URL()
	var mine []*modelState
	for _, m := range w.owned[0] {
		if m.seed == nil {
			mine = append(mine, m)
			mustWrite(t, w, base, planCreate(m))
		}
	}
	// Fill the volume.
	f, err := os.Create(filepath.Join(mnt, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := f.Write(make([]byte, 4096)); err != nil {
			break
		}
	}
	f.Close()
	// A document of several pages cannot be written (a page or two may be
	// freed and taken by the epoch's own rename).
	extra := newModelState("full/extra", nil, false)
	big := append([]byte("description: '"+strings.Repeat("d", 64<<10)+"'\n"), planCreate(extra).body...)
	code, body := mustDo(t, base, "POST", "/v1/configs/models", big)
	if code != 503 || errorCode(body) != "store_unavailable" || !strings.Contains(string(body), "no space left on device") || strings.Contains(string(body), mnt) {
		t.Fatalf("POST on a full volume: %d %s", code, body)
	}
	before := fetchExport(t, base)
	code, body = mustDo(t, base, "DELETE", modelPath(mine[0].id), nil)
	if code != 200 {
		t.Fatalf("DELETE on a full volume: %d %s", code, body)
	}
	after := fetchExport(t, base)
	if after.Epoch != before.Epoch+1 || after.Models[mine[0].id] != nil {
		t.Fatalf("the DELETE did not apply: epoch %d → %d", before.Epoch, after.Epoch)
	}
	if data, _ := os.ReadFile(filepath.Join(store, "epoch")); string(data) != fmt.Sprint(after.Epoch) {
		t.Fatalf("epoch file %q, want %d", data, after.Epoch)
	}
	// The space freed lets a new document in.
	if err := os.Remove(filepath.Join(mnt, "filler")); err != nil {
		t.Fatal(err)
	}
	if code, body := mustDo(t, base, "POST", "/v1/configs/models", big); code != 201 {
		t.Fatalf("POST after the repair: %d %s", code, body)
	}
}
