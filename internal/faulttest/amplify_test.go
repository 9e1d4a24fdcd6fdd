package faulttest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// quadraticBomb is a YAML body with one anchored scalar of blob bytes
// referenced by aliases times. It stays under the 1 MiB body limit and the
// 10,000-node alias cap, yet expands to blob×aliases bytes.
func quadraticBomb(id string, blob, aliases int) []byte {
	return []byte("sie_id: " + id + "\n" + validProfile +
		"blob: &a \"" + strings.Repeat("x", blob) + "\"\n" +
		"tags: [" + strings.TrimSuffix(strings.Repeat("*a,", aliases), ",") + "]\n")
}

// TestAliasAmplification: the alias cap counts nodes, not bytes, so a small
// body whose aliases all point at one long scalar passes it. sie-config
// must not turn such a body into a document far larger than its own body
// limit: either it refuses the body (4xx) or what it stores and exports
// stays within the limit.
//
// Found by this suite: a 29 KB body was accepted with 201 and stored,
// exported and published expanded, as an 18 MB document (scaled up, the
// same shape within the 1 MiB limit expands to gigabytes, and with NATS a
// 47 KB body drove sie-config to 1.7 GB before the max_payload check
// answered 413). Fixed in yamldoc by bounding the text reached through
// aliases; this is the end-to-end regression test.
func TestAliasAmplification(t *testing.T) {
	w := newWorld(t, "amplify", 1, 1)
	store := t.TempDir()
	proc := newConfigProc(t, configOptions{CatalogDir: w.catalog, StoreDir: store})
	proc.Start()
	body := quadraticBomb("hostile/quad", 2000, 9000)
	code, resp := mustDo(t, proc.URL(), "POST", "/v1/configs/models", body)
	peak := peakRSS(proc)
	if code >= 500 {
		t.Fatalf("5xx: %d %s", code, tail(string(resp), 300))
	}
	if code >= 400 {
		report(t, map[string]any{"body_bytes": len(body), "status": code, "error": errorCode(resp), "sie_config_peak_rss_kb": peak})
		if _, err := os.Stat(filepath.Join(store, "models", "hostile__quad.yaml")); err == nil {
			t.Errorf("refused with %d, yet stored", code)
		}
		return
	}
	fi, err := os.Stat(filepath.Join(store, "models", "hostile__quad.yaml"))
	if err != nil {
		t.Fatalf("accepted (%d) but not stored: %v", code, err)
	}
	_, export, _ := httpDo(proc.URL(), "GET", "/v1/configs/export", nil)
	report(t, map[string]any{"body_bytes": len(body), "stored_bytes": fi.Size(),
		"export_bytes": len(export), "sie_config_peak_rss_kb": peak})
	if fi.Size() > 1<<20 || len(export) > 2<<20 {
		t.Errorf("a %d-byte body (%d aliases of one %d-byte scalar, within the alias cap) was accepted (%d) "+
			"and stored as a %d-byte document; the export is %d bytes; sie-config peak RSS %s kB. "+
			"The alias cap bounds nodes, not bytes (yamldoc), and the stored text is the expanded emission.",
			len(body), 9000, 2000, code, fi.Size(), len(export), peak)
	}
}

// peakRSS is the child's VmHWM in kB ("" where /proc is unavailable).
func peakRSS(p *configProc) string {
	if p.cmd == nil {
		return ""
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSuffix(strings.TrimSpace(v), " kB")
		}
	}
	return ""
}
