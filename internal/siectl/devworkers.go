package siectl

import (
	"os"
	"path/filepath"
	"time"

	"github.com/sieproject/sie/internal/workersim"
	"github.com/sieproject/sie/internal/workerview"
	"github.com/sieproject/sie/internal/yamldoc"
)

// devCatchUpPoll is how often `siectl dev`'s workers poll sie-config's
// epoch: a lost delta or a restart is repaired within it.
const devCatchUpPoll = 2 * time.Second

// catchUp points a fleet at sie-config: its workers reconcile from the
// export at startup, on NATS reconnects and whenever the epoch moves, so a
// restarted cluster serves what its store holds (extensions E3).
func (cl *devCluster) catchUp(wc *workersim.Config, env Env) {
	wc.ConfigURL = cl.config.URL()
	wc.ConfigPoll = devCatchUpPoll
	wc.ConfigToken = env("SIE_ADMIN_TOKEN")
}

// workerModelsDir is the simulated workers' models directory: the catalog's
// seeds a worker accepts at startup (the strict schema), as an image bakes
// them in. Everything else — the documents restored from the store, and
// seeds workers can hold only as a stub — reaches the workers through
// catch-up, where a document workers cannot take is held as a stub or not
// at all instead of aborting their start.
func (cl *devCluster) workerModelsDir() (string, error) {
	dir := filepath.Join(cl.dataDir, "worker-models")
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	seeds, _ := filepath.Glob(filepath.Join(cl.catalogDir, "models", "*.yaml"))
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			return "", err
		}
		d, err := yamldoc.Parse(data)
		if err != nil || d == nil || len(workerview.SchemaProblems(d)) > 0 {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)), data, 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}
