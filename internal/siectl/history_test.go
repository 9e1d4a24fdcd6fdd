package siectl

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// siectl history and rollback against a dev cluster (local store).
func TestHistoryAndRollbackCommands(t *testing.T) {
	cl := testCluster(t, t.TempDir())
	defer cl.stop()
	env := devEnv(cl)
	const id = "my-org/my-embedder"
	mustContain(t, mustRun(t, env, 0, "apply", "-f", cl.exampleFile), "created "+id+"  (epoch 1)")
	changed := writeFile(t, t.TempDir(), "m.yaml", strings.Replace(exampleModel(id), "8192", "4096", 1))
	mustContain(t, mustRun(t, env, 0, "replace", "-f", changed), "replaced "+id+"  (epoch 2)")
	mustContain(t, mustRun(t, env, 0, "delete", id), "deleted "+id+"  (epoch 3)")

	out := mustRun(t, env, 0, "history", id)
	row := regexp.MustCompile(`(?m)^(\d+)\s+(create|append|replace|delete)\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\s+(\S+)$`)
	var rows []string
	for _, m := range row.FindAllStringSubmatch(out, -1) {
		rows = append(rows, m[1]+" "+m[2]+" "+m[3])
	}
	if !strings.HasPrefix(out, "EPOCH") || strings.Join(rows, ", ") != "3 delete -, 2 replace -, 1 create -" {
		t.Fatalf("history:\n%s", out)
	}
	mustContain(t, mustRun(t, env, 0, "history", id, "--limit", "1", "--docs"), "# epoch 3  delete", "# (no API document)")
	docs := mustRun(t, env, 0, "history", id, "--docs")
	mustContain(t, docs, "# epoch 2  replace", "4096", "# epoch 1  create", "8192")
	var v struct {
		ModelID string `json:"model_id"`
		Entries []struct {
			Epoch int64   `json:"epoch"`
			Op    string  `json:"op"`
			Raw   *string `json:"raw_yaml"`
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, env, 0, "history", id, "-o", "json")), &v); err != nil || v.ModelID != id || len(v.Entries) != 3 || v.Entries[2].Raw == nil {
		t.Fatalf("history -o json: %+v %v", v, err)
	}

	mustContain(t, mustRun(t, env, 0, "rollback", id, "--to-epoch", "1", "--dry-run"), "dry run: would be rolled back "+id+" to epoch 1: created", "nothing was changed")
	mustContain(t, mustRun(t, env, 0, "rollback", id, "--to-epoch", "1"), "rolled back "+id+" to epoch 1: created  (epoch 4)")
	mustContain(t, mustRun(t, env, 0, "get", "model", id), "8192")
	mustContain(t, mustRun(t, env, 0, "rollback", id, "--to-epoch", "4"), "unchanged (the document already is the one of epoch 4)  (epoch 4)")
	mustContain(t, mustRun(t, env, 0, "rollback", id, "--to-epoch", "2"), "to epoch 2: replaced  (epoch 5)")
	mustContain(t, mustRun(t, env, 0, "rollback", id, "--to-epoch", "3"), "to epoch 3: deleted (it had no document then)  (epoch 6)")

	// Refusals: the server's (exit 1) and usage (exit 2).
	mustContain(t, mustRun(t, env, 1, "rollback", id, "--to-epoch", "99"), "epoch_not_found", "Epoch 99 is after the current epoch 6.")
	mustContain(t, mustRun(t, env, 1, "history", "no/such"), "model_not_found")
	mustRun(t, env, 2, "rollback", id)
	mustRun(t, env, 2, "rollback", id, "--to-epoch", "-1")
	mustRun(t, env, 2, "history", id, "--limit", "0")
	mustRun(t, env, 2, "history")
}
