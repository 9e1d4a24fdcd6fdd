package workersim

import (
	"os"
	"os/user"
	"sort"
	"strconv"
	"time"

	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/workerview"
)

// simulated GPU constants (worker-protocol.md §8.5).
const (
	gpuMemoryTotal     = int64(25769803776)
	gpuMemoryThreshold = 85.0
	noModelBatchLimit  = 64
	serverVersion      = "0.1.0"
)

// processInfo is the status message's "server" facts that never change.
type processInfo struct {
	user, workingDir string
	pid              int
}

func currentProcess() processInfo {
	p := processInfo{pid: os.Getpid()}
	if u, err := user.Current(); err == nil {
		p.user = u.Username
	} else {
		p.user = os.Getenv("USER")
	}
	p.workingDir, _ = os.Getwd()
	return p
}

var process = currentProcess()

func entry(k string, v any) doc.Entry { return doc.Entry{Key: k, Value: v} }

// statusFrame builds the full status message (worker-protocol.md §6.2):
// every key, in the documented order, with the documented types.
func (w *Worker) statusFrame(now time.Time) []byte {
	w.mu.Lock()
	ready, hash, bundle := w.ready, w.state.Hash(), w.state.Bundle()
	configEpoch, unsupported := w.state.ConfigEpoch(), w.unsupportedLocked()
	models := w.modelsJSONLocked()
	w.mu.Unlock()

	gpus := make([]*doc.Map, w.cfg.GPUCount)
	for i := range gpus {
		gpus[i] = doc.NewMap(
			entry("device", "cuda:"+strconv.Itoa(i)),
			entry("name", "Simulated GPU"),
			entry("gpu_type", w.cfg.MachineProfile),
			entry("utilization_pct", 0),
			entry("memory_used_bytes", 0),
			entry("memory_total_bytes", gpuMemoryTotal),
			entry("memory_threshold_pct", gpuMemoryThreshold),
		)
	}
	msg := doc.NewMap(
		entry("timestamp", float64(now.UnixNano())/1e9),
		entry("ready", ready),
		entry("name", w.name),
		entry("machine_profile", w.cfg.MachineProfile),
		entry("pool_name", w.cfg.Pool),
		entry("gpu_count", w.cfg.GPUCount),
		entry("bundle", bundle),
		entry("bundle_config_hash", hash),
		// Extensions E3: always present, with or without catch-up.
		entry("config_epoch", configEpoch),
		entry("unsupported_models", unsupported),
		entry("loaded_models", []string{}),
		entry("max_batch_requests", noModelBatchLimit),
		entry("server", doc.NewMap(
			entry("version", serverVersion),
			entry("uptime_seconds", int64(now.Sub(w.started)/time.Second)),
			entry("user", process.user),
			entry("working_dir", process.workingDir),
			entry("pid", process.pid),
		)),
		entry("gpus", gpus),
		entry("models", canonjson.Raw(models)),
		entry("counters", doc.NewMap()),
		entry("histograms", doc.NewMap()),
	)
	return canonjson.AppendOrdered(make([]byte, 0, 1024+256*len(gpus)+len(models)), msg)
}

// modelsJSONLocked returns the encoded "models" array, rebuilt only when the
// registry changed: the frame goes out every 200 ms per socket.
func (w *Worker) modelsJSONLocked() []byte {
	if v := w.state.Version(); v != w.modelsVersion {
		models := w.state.Models() // id order, which is the name order the spec asks for
		list := make([]*doc.Map, len(models))
		for i, m := range models {
			list[i] = modelStatus(m)
		}
		w.modelsJSON = canonjson.AppendOrdered(nil, list)
		w.modelsVersion = v
	}
	return w.modelsJSON
}

// modelStatus is a ModelStatus of a configured, never-loaded model.
func modelStatus(m *workerview.Model) *doc.Map {
	return doc.NewMap(
		entry("name", m.ID),
		entry("state", "available"),
		entry("device", nil),
		entry("memory_bytes", 0),
		entry("config", doc.NewMap(
			entry("hf_id", m.HFID),
			entry("adapter", m.DefaultAdapter()),
			entry("inputs", nonNil(m.Inputs)),
			entry("outputs", nonNil(m.Outputs)),
			entry("dims", m.Dims),
			entry("max_sequence_length", m.MaxSequenceLength),
		)),
		entry("queue_depth", 0),
		entry("queue_pending_items", 0),
	)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// stateJSON is GET /sim/state (and the POST /sim/faults reply).
func (w *Worker) stateJSON() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	epochs := w.state.Epochs()
	ids := make([]string, 0, len(epochs))
	for id := range epochs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	epochMap := doc.NewMap()
	for _, id := range ids {
		epochMap.Set(id, epochs[id])
	}
	var reconcileErr any
	if w.reconcileErr != nil {
		reconcileErr = *w.reconcileErr
	}
	return canonjson.AppendOrdered(nil, doc.NewMap(
		entry("name", w.name),
		entry("bundle", w.state.Bundle()),
		entry("ready", w.ready),
		entry("bundle_config_hash", w.state.Hash()),
		entry("models", w.state.IDs()),
		entry("model_epochs", epochMap),
		entry("deltas_received", w.received),
		entry("deltas_applied", w.applied),
		entry("deltas_dropped", w.dropped),
		entry("frozen", w.frozen),
		entry("apply_lag_ms", w.applyLag.Milliseconds()),
		entry("config_epoch", w.state.ConfigEpoch()),
		entry("reconciles", w.reconciles),
		entry("last_reconcile_error", reconcileErr),
	))
}
