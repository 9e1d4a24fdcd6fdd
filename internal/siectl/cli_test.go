package siectl

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sieproject/sie/internal/controlplane"
)

// devEnv is the environment siectl commands use against cl.
func devEnv(cl *devCluster) map[string]string {
	return map[string]string{"SIE_CONFIG_URL": cl.config.URL(), "SIE_GATEWAY_URL": cl.gateways[0].URL()}
}

func mustRun(t *testing.T, env map[string]string, wantCode int, args ...string) string {
	t.Helper()
	code, out := run(t, env, args...)
	if code != wantCode {
		t.Fatalf("siectl %s: exit %d, want %d\n%s", strings.Join(args, " "), code, wantCode, out)
	}
	return out
}

func mustContain(t *testing.T, out string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(out, p) {
			t.Fatalf("output lacks %q:\n%s", p, out)
		}
	}
}

// TestApplyAfterDeleteCreatesAgain is the replay-after-delete finding: the
// second apply must create the model again, not replay the first answer.
func TestApplyAfterDeleteCreatesAgain(t *testing.T) {
	cl := testCluster(t, t.TempDir())
	defer cl.stop()
	env := devEnv(cl)
	mustContain(t, mustRun(t, env, 0, "apply", "-f", cl.exampleFile), "created my-org/my-embedder  (epoch 1)")
	mustContain(t, mustRun(t, env, 0, "delete", "my-org/my-embedder"), "deleted my-org/my-embedder  (epoch 2)")
	mustContain(t, mustRun(t, env, 0, "apply", "-f", cl.exampleFile), "created my-org/my-embedder  (epoch 3)")
	mustContain(t, mustRun(t, env, 0, "get", "model", "my-org/my-embedder"), "sie_id: my-org/my-embedder")
	// Each write carried its own key: a fourth apply of the same file is a
	// no-op decided by the plan, and the epoch stays.
	mustContain(t, mustRun(t, env, 0, "apply", "-f", cl.exampleFile), "1 unchanged; epoch 3.")
}

// TestApplyPruneRoundTrip: a directory is applied, changed (a new file, a
// changed profile, a removed file, an appended profile on a seed) and
// applied again with --prune; afterwards diff finds nothing and the API
// models are exactly the directory's.
func TestApplyPruneRoundTrip(t *testing.T) {
	cl := testCluster(t, t.TempDir())
	defer cl.stop()
	env := devEnv(cl)
	dir := t.TempDir()
	writeFile(t, dir, "a.yaml", exampleModel("org/a"))
	writeFile(t, dir, "b.yaml", exampleModel("org/b"))
	out := mustRun(t, env, 0, "apply", "-f", dir, "--prune")
	mustPlan(t, out, "create org/a", "create org/b")
	mustContain(t, out, "2 created; epoch 0 → 2.")

	// A seed model gets a profile appended (its whole document plus one).
	seed := mustRun(t, env, 0, "get", "model", "BAAI/bge-m3")
	writeFile(t, dir, "seed.yaml", seed+"  fast:\n    extends: default\n    max_batch_tokens: 1024\n")
	writeFile(t, dir, "b.yaml", strings.Replace(exampleModel("org/b"), "8192", "4096", 1))
	writeFile(t, dir, "c.yaml", exampleModel("org/c"))
	must(t, os.Remove(filepath.Join(dir, "a.yaml")))

	// --dry-run prints the plan, lets the server check it, changes nothing.
	out = mustRun(t, env, 0, "apply", "-f", dir, "--prune", "--dry-run")
	mustPlan(t, out, "replace org/b", "create org/c", "append BAAI/bge-m3", "delete org/a")
	mustContain(t, out, "~profiles default", "+profiles fast", "would replace org/b", "would delete org/a", "nothing was changed (epoch 2)")
	mustContain(t, mustRun(t, env, 0, "epoch"), "epoch 2 ")

	out = mustRun(t, env, 0, "apply", "-f", dir, "--prune")
	mustContain(t, out, "replaced org/b", "created org/c", "appended BAAI/bge-m3", "deleted org/a", "epoch 2 → 6.")
	mustContain(t, mustRun(t, env, 0, "diff", "-f", dir, "--prune"), "No differences (3 model(s) compared).")
	api := apiModels(t, env)
	if strings.Join(api, ",") != "BAAI/bge-m3,org/b,org/c" {
		t.Fatalf("API models %v", api)
	}

	// Removing the seed's file and pruning reverts it to its seed.
	must(t, os.Remove(filepath.Join(dir, "seed.yaml")))
	mustContain(t, mustRun(t, env, 0, "apply", "-f", dir, "--prune"), "deleted BAAI/bge-m3", "1 deleted, 2 unchanged")
	if got := mustRun(t, env, 0, "get", "model", "BAAI/bge-m3"); got != seed {
		t.Fatalf("the seed did not come back:\n%s", got)
	}
	// --prune refuses a single file.
	mustRun(t, env, 2, "apply", "-f", filepath.Join(dir, "b.yaml"), "--prune")
}

// mustPlan checks plan lines "  KIND  ID  …" (columns are padded).
func mustPlan(t *testing.T, out string, entries ...string) {
	t.Helper()
	lines := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) >= 2 && strings.HasPrefix(l, "  ") {
			lines[f[0]+" "+f[1]] = true
		}
	}
	for _, e := range entries {
		if !lines[e] {
			t.Fatalf("no plan line %q:\n%s", e, out)
		}
	}
}

func apiModels(t *testing.T, env map[string]string) []string {
	t.Helper()
	var list struct {
		Models []struct {
			ModelID string `json:"model_id"`
			Source  string `json:"source"`
		} `json:"models"`
	}
	must(t, json.Unmarshal([]byte(mustRun(t, env, 0, "get", "models", "-o", "json")), &list))
	var out []string
	for _, m := range list.Models {
		if m.Source == "api" {
			out = append(out, m.ModelID)
		}
	}
	return out
}

// TestApplyReplaceIsGuardedByIfMatch: a change made between the plan and
// the replace is refused (412), not overwritten.
func TestApplyReplaceIsGuardedByIfMatch(t *testing.T) {
	cl := testCluster(t, t.TempDir())
	defer cl.stop()
	env := devEnv(cl)
	mustRun(t, env, 0, "apply", "-f", cl.exampleFile)
	dir := t.TempDir()
	writeFile(t, dir, "m.yaml", strings.Replace(exampleModel(cl.exampleModel), "8192", "4096", 1))
	files, err := readModelFiles(dir)
	must(t, err)
	locals, err := parseLocal(files)
	must(t, err)
	o := &options{configURL: cl.config.URL(), env: func(string) string { return "" }}
	st, err := o.fetchState(context.Background())
	must(t, err)
	plan := makePlan(locals, st, false)
	if len(plan) != 1 || plan[0].kind != actReplace {
		t.Fatalf("plan %+v", plan)
	}
	// Someone else changes the model meanwhile.
	other := filepath.Join(dir, "other.yaml")
	writeFile(t, dir, "other.yaml", strings.Replace(exampleModel(cl.exampleModel), "8192", "2048", 1))
	mustRun(t, env, 0, "replace", "-f", other)
	it := newApplyItem(plan[0])
	o.runAction(context.Background(), o.configClient(), plan[0], false, &it)
	if it.OK || it.Status == nil || *it.Status != 412 || it.Error == nil || *it.Error != "precondition_failed" {
		t.Fatalf("outcome %+v", it)
	}
	mustContain(t, mustRun(t, env, 0, "get", "model", cl.exampleModel), "max_batch_tokens: 2048")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestUnknownSubcommandsAndUsageExit2(t *testing.T) {
	env := map[string]string{"SIE_CONFIG_URL": "http://127.0.0.1:1"}
	for _, args := range [][]string{
		{"get", "modles"}, {"get"}, {"frobnicate"}, {"apply"}, {"apply", "-f"}, {"get", "models", "--bogus"},
		{"get", "models", "-o", "xml"}, {"delete"}, {"delete", "a", "b"}, {"epoch", "extra"},
		{"validate", "-f", "x", "--server", "--catalog", "y"},
	} {
		code, out := run(t, env, args...)
		if code != 2 {
			t.Fatalf("siectl %s: exit %d, want 2\n%s", strings.Join(args, " "), code, out)
		}
	}
	mustContain(t, mustRun(t, env, 2, "get", "modles"), `unknown subcommand "modles" for siectl get`)
	// A server that cannot be reached is exit 1, not a usage error.
	mustRun(t, env, 1, "get", "models")
}

// TestHumanErrorsAndTokens: human output names the HTTP status, the error
// code and the server's message, never its JSON; --token and the
// documented variables authenticate.
func TestHumanErrorsAndTokens(t *testing.T) {
	cl := testClusterEnv(t, t.TempDir(), map[string]string{"SIE_ADMIN_TOKEN": "adm", "SIE_AUTH_TOKEN": "usr"})
	defer cl.stop()
	env := devEnv(cl)
	out := mustRun(t, env, 1, "get", "models")
	mustContain(t, out, "siectl: HTTP 401: Missing Authorization header")
	mustRun(t, env, 0, "get", "models", "--token", "adm")
	env["SIE_AUTH_TOKEN"] = "usr"
	mustRun(t, env, 0, "get", "models")
	out = mustRun(t, env, 1, "apply", "-f", cl.exampleFile) // a read token cannot export or write
	mustContain(t, out, "HTTP 403: Admin token required for config mutations")
	env["SIE_ADMIN_TOKEN"] = "adm"
	mustRun(t, env, 0, "apply", "-f", cl.exampleFile)

	bad := writeFile(t, t.TempDir(), "bad.yaml", "sie_id: org/bad\nprofiles:\n  p:\n    adapter_path: nowhere.mod:X\n")
	out = mustRun(t, env, 1, "apply", "-f", bad)
	mustContain(t, out, "FAILED create org/bad: HTTP 422 validation_error: Adapter(s) not in any known bundle: nowhere.mod")
	out = mustRun(t, env, 1, "delete", "no/such")
	mustContain(t, out, "siectl: HTTP 404 model_not_found: Model 'no/such' does not exist in the catalog.")
	out = mustRun(t, env, 1, "delete", cl.exampleModel, "--if-match", "0123")
	mustContain(t, out, "HTTP 412 precondition_failed: Model 'my-org/my-embedder' changed since it was read.")
	for _, o := range []string{out} {
		if strings.Contains(o, "{") {
			t.Fatalf("human output shows JSON:\n%s", o)
		}
	}
}

func TestReplaceDeleteEpochCommands(t *testing.T) {
	cl := testCluster(t, t.TempDir())
	defer cl.stop()
	env := devEnv(cl)
	mustContain(t, mustRun(t, env, 0, "replace", "-f", cl.exampleFile, "--dry-run"), "dry run: would be created my-org/my-embedder; nothing was changed  (epoch 0)",
		"bundle default: workers will report bundle_config_hash ")
	mustContain(t, mustRun(t, env, 0, "replace", "-f", cl.exampleFile), "created my-org/my-embedder  (epoch 1)")
	mustContain(t, mustRun(t, env, 0, "replace", "-f", cl.exampleFile), "unchanged my-org/my-embedder")
	etag := controlplane.ETag(mustRun(t, env, 0, "get", "model", cl.exampleModel))
	mustContain(t, mustRun(t, env, 0, "delete", cl.exampleModel, "--if-match", strings.Trim(etag, `"`)), "deleted my-org/my-embedder  (epoch 2)")
	mustContain(t, mustRun(t, env, 0, "delete", "BAAI/bge-m3"), "unchanged BAAI/bge-m3 (it has no API document; its built-in seed stays)")
	mustContain(t, mustRun(t, env, 0, "epoch", "--after", "1", "--wait", "1s"), "epoch 2  (bundles_hash ")
	mustContain(t, mustRun(t, env, 0, "get", "bundle", "default"), "name: default")
	mustRun(t, env, 1, "get", "bundle", "nope")
}

// TestDiffExitCodes: 0 same, 1 different, 2 trouble.
func TestDiffExitCodes(t *testing.T) {
	cl := testCluster(t, t.TempDir())
	defer cl.stop()
	env := devEnv(cl)
	dir := t.TempDir()
	writeFile(t, dir, "m.yaml", exampleModel("org/m"))
	mustContain(t, mustRun(t, env, 1, "diff", "-f", dir), "org/m: not on sie-config (apply creates it)", "+sie_id: org/m")
	mustRun(t, env, 0, "apply", "-f", dir)
	mustContain(t, mustRun(t, env, 0, "diff", "-f", dir), "No differences")
	writeFile(t, dir, "m.yaml", strings.Replace(exampleModel("org/m"), "8192", "4096", 1))
	mustContain(t, mustRun(t, env, 1, "diff", "-f", dir), "org/m: differs  ~profiles default", "-    max_batch_tokens: 8192", "+    max_batch_tokens: 4096")
	// --prune also reports API models the directory lacks.
	mustRun(t, env, 0, "apply", "-f", writeFile(t, t.TempDir(), "other.yaml", exampleModel("org/other")))
	mustRun(t, env, 1, "diff", "-f", dir) // org/m still differs
	writeFile(t, dir, "m.yaml", exampleModel("org/m"))
	mustContain(t, mustRun(t, env, 0, "diff", "-f", dir), "No differences")
	mustContain(t, mustRun(t, env, 1, "diff", "-f", dir, "--prune"), "org/other: only on sie-config (apply --prune deletes it)", "-sie_id: org/other")
	writeFile(t, dir, "broken.yaml", "a: [\n")
	mustRun(t, env, 2, "diff", "-f", dir)
	mustRun(t, map[string]string{"SIE_CONFIG_URL": "http://" + closedAddr(t)}, 2, "diff", "-f", filepath.Join(dir, "m.yaml"))
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
