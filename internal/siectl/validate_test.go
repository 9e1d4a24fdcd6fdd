package siectl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// appendFast appends one profile to the sample's BAAI/bge-m3 (a valid
// POST: an extends-only profile on an existing model).
const appendFast = "sie_id: BAAI/bge-m3\nprofiles:\n  fast:\n    extends: default\n    max_batch_tokens: 1024\n"

func TestValidateOfflineUsesTheEmbeddedCatalog(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{} // no bundle directory needed
	good := writeFile(t, dir, "good.yaml", exampleModel("org/good"))
	mustContain(t, mustRun(t, env, 0, "validate", "-f", good), "Checked against the built-in sample catalog", "valid    "+good+"  org/good  create  bundles default")
	app := writeFile(t, dir, "append.yaml", appendFast)
	mustContain(t, mustRun(t, env, 0, "validate", "-f", app), "valid    "+app+"  BAAI/bge-m3  append  bundles default,sglang")
	// Changing an existing profile is not an append; apply would replace.
	repl := writeFile(t, dir, "replace.yaml", "sie_id: BAAI/bge-m3\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bge_m3_flash:X\n    max_batch_tokens: 1\n")
	mustContain(t, mustRun(t, env, 0, "validate", "-f", repl), "BAAI/bge-m3  replace  bundles default")
	// ... and a replacement must stand on its own (rule 7a).
	lone := writeFile(t, dir, "lone.yaml", "sie_id: BAAI/bge-m3\nprofiles:\n  default:\n    extends: other\n")
	mustContain(t, mustRun(t, env, 1, "validate", "-f", lone), "validation_error: Model 'BAAI/bge-m3' does not resolve to any known bundle")
	stub := writeFile(t, dir, "stub.yaml", "sie_id: org/stub\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.sentence_transformer:X\n    max_batch_tokens: 1\n")
	mustContain(t, mustRun(t, env, 0, "validate", "-f", stub), "warning: workers hold it as stub: no 'tasks' mapping")
	bad := writeFile(t, dir, "bad.yaml", "sie_id: org/bad\nprofiles:\n  default:\n    adapter_path: nowhere.mod:X\n")
	mustContain(t, mustRun(t, env, 1, "validate", "-f", bad), "validation_error: Adapter(s) not in any known bundle: nowhere.mod")
	guard := writeFile(t, dir, "guard.yaml", "sie_id: org/g\nflag: yes\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.sentence_transformer:X\n")
	mustContain(t, mustRun(t, env, 1, "validate", "-f", guard), "quote it")
	mustContain(t, mustRun(t, env, 1, "validate", "-f", writeFile(t, dir, "id.yaml", "sie_id: ../x\nprofiles: {}\n")), "invalid_model_id")

	// A catalog of one's own: the append target does not exist there, and
	// an extends-only new model routes nowhere.
	cat := t.TempDir()
	writeFile(t, mkdir(t, filepath.Join(cat, "bundles")), "default.yaml", "name: default\nadapters:\n- sie_server.adapters.sentence_transformer\n")
	mkdir(t, filepath.Join(cat, "models"))
	mustRun(t, env, 1, "validate", "-f", app, "--catalog", cat)
	mustRun(t, env, 0, "validate", "-f", good, "--bundles-dir", filepath.Join(cat, "bundles"))
	mustRun(t, env, 2, "validate", "-f", good, "--catalog", cat, "--bundles-dir", cat)
}

func mkdir(t *testing.T, dir string) string {
	t.Helper()
	must(t, os.MkdirAll(dir, 0o755))
	return dir
}

func TestValidateLiveUsesDryRuns(t *testing.T) {
	cl := testCluster(t, t.TempDir())
	defer cl.stop()
	env := devEnv(cl)
	dir := t.TempDir()
	writeFile(t, dir, "a.yaml", appendFast)
	writeFile(t, dir, "b.yaml", exampleModel("org/b"))
	writeFile(t, dir, "c.yaml", "sie_id: BAAI/bge-m3\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bge_m3_flash:X\n")
	out := mustRun(t, env, 0, "validate", "-f", dir, "--server")
	mustContain(t, out, "Checked against sie-config at "+cl.config.URL(), "BAAI/bge-m3  append  bundles default,sglang", "org/b  create  bundles default", "BAAI/bge-m3  replace")
	if strings.Contains(mustRun(t, env, 0, "epoch"), "epoch 0 ") == false {
		t.Fatal("validate --server changed sie-config")
	}
	writeFile(t, dir, "d.yaml", "sie_id: org/d\nprofiles:\n  p:\n    adapter_path: nowhere:X\n")
	mustContain(t, mustRun(t, env, 1, "validate", "-f", dir, "--server"), "invalid  "+filepath.Join(dir, "d.yaml")+"  validation_error: Adapter(s) not in any known bundle: nowhere")
}
