package configserver_test

// Durability across restarts with a local store (sie-config.md §8): the
// layout, epoch persistence, restore (§8.6) and its skipping rules, B1
// after a restart, and the in-memory epoch without a store (D3a).

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var generatedAt = regexp.MustCompile(`"generated_at":"[^"]*"`)

func exportOf(t *testing.T, in *instance) string {
	t.Helper()
	r := in.get("/v1/configs/export")
	want(t, r, 200, "")
	return generatedAt.ReplaceAllString(r.body, `"generated_at":""`)
}

// TestRestartWithRestore: documents, GET, export and epoch survive a
// restart; B1 (§3): seed profiles kept after an append and a restart.
func TestRestartWithRestore(t *testing.T) {
	l := newLayout(t, nil, map[string]string{"test__model.yaml": seedYAML})
	cfg := l.config()
	cfg.StoreURL, cfg.Restore = l.store, true

	in := boot(t, cfg)
	wantContains(t, in.postModel(neYAML), 201, `"epoch":1,`)
	wantContains(t, in.postModel("sie_id: test/model\nprofiles:\n  fast:\n    adapter_path: sie_server.adapters.bert_flash:F\n"), 201, `"epoch":2,`)
	wantContains(t, in.do("PUT", "/v1/configs/models/p/q", "sie_id: p/q\nprofiles:\n  d:\n    adapter_path: sie_server.adapters.bert_flash:Q\n"), 201, `"epoch":3,`)
	wantContains(t, in.do("DELETE", "/v1/configs/models/p/q", ""), 200, `"epoch":4}`)
	merged := "sie_id: test/model\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: 8192\n  fast:\n    adapter_path: sie_server.adapters.bert_flash:F\n"
	before := struct{ list, seed, ne, export, epoch string }{
		in.get("/v1/configs/models").body, in.get("/v1/configs/models/test/model").body,
		in.get("/v1/configs/models/n/e").body, exportOf(t, in), in.get("/v1/configs/epoch").body,
	}
	if before.seed != merged {
		t.Fatalf("B1: GET after append:\n%s", before.seed)
	}
	in.stop()

	// The layout (§8.1): decimal epoch without newline, "/" → "__", 0600.
	if got := fileText(t, filepath.Join(l.store, "epoch")); got != "4" {
		t.Fatalf("epoch file %q", got)
	}
	if got := fileText(t, filepath.Join(l.store, "models", "test__model.yaml")); got != merged {
		t.Fatalf("stored B1 document:\n%s", got)
	}
	entries, err := os.ReadDir(filepath.Join(l.store, "models"))
	check(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		info, err := e.Info()
		check(t, err)
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", e.Name(), info.Mode().Perm())
		}
	}
	if strings.Join(names, " ") != "n__e.yaml test__model.yaml" {
		t.Fatalf("store files: %v", names)
	}

	again := boot(t, cfg)
	after := struct{ list, seed, ne, export, epoch string }{
		again.get("/v1/configs/models").body, again.get("/v1/configs/models/test/model").body,
		again.get("/v1/configs/models/n/e").body, exportOf(t, again), again.get("/v1/configs/epoch").body,
	}
	if after != before {
		t.Fatalf("state changed across the restart:\nbefore %+v\nafter  %+v", before, after)
	}
	if v, _ := again.metric("sie_config_epoch"); v != 4 {
		t.Fatalf("epoch gauge %v", v)
	}
	if v, _ := again.metric("sie_config_models_total", "source", "api"); v != 2 {
		t.Fatalf("api models %v", v)
	}
	// The restored document is the complete document; a later write
	// continues from epoch 4.
	wantContains(t, again.postModel("sie_id: test/model\nprofiles:\n  more:\n    extends: fast\n"), 201, `"epoch":5,`)
	want(t, again.get("/v1/configs/models/test/model"), 200, merged+"  more:\n    extends: fast\n")
}

// TestRestartWithoutRestore: the epoch is still read, stored documents are
// ignored, and the next write for such an id overwrites the file (§8.6).
func TestRestartWithoutRestore(t *testing.T) {
	l := newLayout(t, nil, map[string]string{"test__model.yaml": seedYAML})
	cfg := l.config()
	cfg.StoreURL, cfg.Restore = l.store, true
	in := boot(t, cfg)
	wantContains(t, in.postModel(neYAML), 201, `"epoch":1,`)
	wantContains(t, in.postModel("sie_id: test/model\nprofiles:\n  fast:\n    extends: default\n"), 201, `"epoch":2,`)
	in.stop()

	cfg.Restore = false
	again := boot(t, cfg)
	want(t, again.get("/v1/configs/epoch"), 200, `{"epoch":2,"bundles_hash":"4ec6fcefdf0fb2069fab586375e1b82d469a300b290172dfe82467d86eeac819"}`)
	want(t, again.get("/v1/configs/models/n/e"), 404, "")
	want(t, again.get("/v1/configs/models/test/model"), 200, seedYAML)
	want(t, again.get("/v1/configs/models"), 200, `{"models":[{"model_id":"test/model","profiles":["default"],"source":"filesystem"}]}`)
	other := "sie_id: n/e\nprofiles:\n  other:\n    adapter_path: sie_server.adapters.bert_flash:O\n"
	wantContains(t, again.postModel(other), 201, `"created_profiles":["other"]`, `"epoch":3,`)
	if got := fileText(t, filepath.Join(l.store, "models", "n__e.yaml")); got != other {
		t.Fatalf("file not overwritten:\n%s", got)
	}
}

// TestRestartWithoutStore: the epoch lives in memory and restarts at 0
// (D3a); the API layer is gone.
func TestRestartWithoutStore(t *testing.T) {
	l := newLayout(t, nil, nil)
	in := boot(t, l.config())
	wantContains(t, in.postModel(neYAML), 201, `"epoch":1,`)
	want(t, in.get("/v1/configs/models/n/e"), 200, neYAML)
	in.stop()
	again := boot(t, l.config())
	want(t, again.get("/v1/configs/epoch"), 200, `{"epoch":0,"bundles_hash":"4ec6fcefdf0fb2069fab586375e1b82d469a300b290172dfe82467d86eeac819"}`)
	want(t, again.get("/v1/configs/models/n/e"), 404, "")
}

// TestRestoreRules covers §8.6: what restore loads and what it skips, and
// that it writes nothing and keeps the epoch.
func TestRestoreRules(t *testing.T) {
	l := newLayout(t, nil, map[string]string{
		"test__model.yaml": seedYAML,
		"other.yaml":       "sie_id: seed/two\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n",
	})
	stored := map[string]string{
		// Loaded.
		"ok__m.yaml":       "sie_id: ok/m\nprofiles:\n  d:\n    adapter_path: sie_server.adapters.bert_flash:B\n",
		"test__model.yaml": "# partial (upstream B1 store)\nsie_id: test/model\nprofiles:\n  fast:\n    adapter_path: sie_server.adapters.bert_flash:F\n",
		"orphan__m.yaml":   "sie_id: orphan/m\nprofiles:\n  d:\n    adapter_path: gone.module:X\n",
		// Skipped.
		".hidden__m.yaml":      "sie_id: .hidden/m\nprofiles:\n  d:\n    adapter_path: sie_server.adapters.bert_flash:B\n",
		"empty.yaml":           "",
		"broken.yaml":          "sie_id: [unclosed\n",
		"list.yaml":            "- a\n- b\n",
		"noid.yaml":            "profiles:\n  d:\n    adapter_path: sie_server.adapters.bert_flash:B\n",
		"wrong__name.yaml":     "sie_id: right/name\nprofiles:\n  d:\n    adapter_path: sie_server.adapters.bert_flash:B\n",
		"seed__two.yaml":       "sie_id: seed/two\n",
		"bad__profile.yaml":    "sie_id: bad/profile\nprofiles:\n  d: 1\n",
		"guard__m.yaml":        "sie_id: guard/m\nflag: yes\nprofiles:\n  d:\n    adapter_path: sie_server.adapters.bert_flash:B\n",
		"ok__m.yml":            "sie_id: ok/m\nprofiles: {}\n",
		"dup__key.yaml":        "sie_id: dup/key\nsie_id: dup/key\nprofiles:\n  d:\n    adapter_path: sie_server.adapters.bert_flash:B\n",
		"case__Sensitive.yaml": "sie_id: case/sensitive\nprofiles:\n  d:\n    adapter_path: sie_server.adapters.bert_flash:B\n",
	}
	writeFiles(t, filepath.Join(l.store, "models"), stored)
	check(t, os.WriteFile(filepath.Join(l.store, "epoch"), []byte("7"), 0o600))
	stat := func() map[string]int64 {
		out := map[string]int64{}
		entries, _ := os.ReadDir(filepath.Join(l.store, "models"))
		for _, e := range entries {
			info, _ := e.Info()
			out[e.Name()] = info.ModTime().UnixNano()
		}
		return out
	}
	mtimes := stat()

	cfg := l.config()
	cfg.StoreURL, cfg.Restore = l.store, true
	in := boot(t, cfg)
	want(t, in.get("/v1/configs/models"), 200, `{"models":[`+
		`{"model_id":"ok/m","profiles":["d"],"source":"api"},`+
		`{"model_id":"orphan/m","profiles":["d"],"source":"api"},`+
		`{"model_id":"seed/two","profiles":["default"],"source":"filesystem"},`+
		`{"model_id":"test/model","profiles":["fast"],"source":"api"}]}`)
	// A restored document is the complete effective document (no merge).
	want(t, in.get("/v1/configs/models/test/model"), 200, stored["test__model.yaml"])
	wantContains(t, in.get("/v1/configs/export"), 200, `"epoch":7,`, `{"model_id":"orphan/m","model_config":{"sie_id":"orphan/m","profiles":{"d":{"adapter_path":"gone.module:X"}}},"raw_yaml":"sie_id: orphan/m\nprofiles:\n  d:\n    adapter_path: gone.module:X\n","affected_bundles":[]}`)
	want(t, in.get("/v1/configs/epoch"), 200, `{"epoch":7,"bundles_hash":"4ec6fcefdf0fb2069fab586375e1b82d469a300b290172dfe82467d86eeac819"}`)
	// Restore wrote nothing.
	if got := stat(); len(got) != len(mtimes) {
		t.Fatalf("files changed: %v", got)
	} else {
		for k, v := range mtimes {
			if got[k] != v {
				t.Fatalf("%s rewritten", k)
			}
		}
	}
	if fileText(t, filepath.Join(l.store, "epoch")) != "7" {
		t.Fatal("epoch file changed")
	}
	logs := in.logs.String()
	for _, f := range []string{"broken.yaml", "list.yaml", "noid.yaml", "wrong__name.yaml", "seed__two.yaml", "bad__profile.yaml", "guard__m.yaml", "dup__key.yaml", "case__Sensitive.yaml"} {
		if !strings.Contains(logs, f) {
			t.Errorf("no error log names %s", f)
		}
	}
	if strings.Contains(logs, "empty.yaml") {
		t.Error("an empty file must be skipped silently")
	}
	if !strings.Contains(logs, "orphan/m") {
		t.Error("the unroutable restored model is not logged")
	}
}

// TestEpochFileParsing covers §8.2: whitespace trimmed, empty → 0,
// garbage → 0 with a warning.
func TestEpochFileParsing(t *testing.T) {
	for content, epoch := range map[string]string{" 12\n": "12", "": "0", "\n": "0", "abc": "0", "-3": "0", "1.5": "0"} {
		l := newLayout(t, nil, nil)
		writeFiles(t, l.store, map[string]string{"epoch": content})
		cfg := l.config()
		cfg.StoreURL = l.store
		in := boot(t, cfg)
		wantContains(t, in.get("/v1/configs/epoch"), 200, `{"epoch":`+epoch+`,`)
		if epoch == "0" && strings.TrimSpace(content) != "" && !strings.Contains(strings.ToLower(in.logs.String()), "warn") {
			t.Errorf("%q: no warning", content)
		}
		in.stop()
	}
}

// TestStaleTempFilesRemoved covers §8.3: leftover .*.tmp files of a crash
// are removed at startup.
func TestStaleTempFilesRemoved(t *testing.T) {
	l := newLayout(t, nil, nil)
	writeFiles(t, l.store, map[string]string{".epoch.123.tmp": "9"})
	writeFiles(t, filepath.Join(l.store, "models"), map[string]string{".a__b.yaml.456.tmp": "x", "keep.yaml.bak": "y"})
	cfg := l.config()
	cfg.StoreURL = l.store
	boot(t, cfg)
	for _, p := range []string{filepath.Join(l.store, ".epoch.123.tmp"), filepath.Join(l.store, "models", ".a__b.yaml.456.tmp")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s not removed", p)
		}
	}
	if fileText(t, filepath.Join(l.store, "models", "keep.yaml.bak")) != "y" {
		t.Error("a non-temp file was removed")
	}
}
