package gatewayapi

import (
	"net/http"
	"sort"

	"github.com/sieproject/sie/internal/workers"
)

const msgWaitingBootstrap = "Waiting for the first configuration bootstrap from sie-config"

func (s *server) healthz(w http.ResponseWriter, _ *http.Request, _ param) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

// readyz is 503 until the first resync when a config URL is set (D3j).
func (s *server) readyz(w http.ResponseWriter, _ *http.Request, _ param) {
	n := s.workers.HealthyCount()
	if !s.mirror.Ready() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{
			"healthy_workers": n, "message": msgWaitingBootstrap, "status": "not_ready",
		})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"healthy_workers": n, "status": "ready"})
}

// health is GET /health (§6): the cluster as SDK clients see it.
func (s *server) health(w http.ResponseWriter, _ *http.Request, _ param) {
	body := clusterBody(s.workers.Workers())
	status := "degraded"
	if body["cluster"].(map[string]any)["worker_count"].(int) > 0 {
		status = "healthy"
	}
	body["configured_gpu_types"] = []string{}
	body["live_gpu_types"] = liveGPUTypes(s.workers.Workers())
	body["status"] = status
	body["type"] = "gateway"
	writeJSON(w, http.StatusOK, body)
}

// clusterBody builds {cluster, models, workers} shared by /health and the
// cluster-status stream.
func clusterBody(all []*workers.Info) map[string]any {
	list := make([]map[string]any, 0, len(all))
	type modelAgg struct {
		gpuTypes map[string]bool
		queue    int64
		workers  int
	}
	models := map[string]*modelAgg{}
	healthy, gpus := 0, int64(0)
	for _, info := range all {
		list = append(list, map[string]any{
			"bundle":             info.Bundle,
			"bundle_config_hash": info.BundleConfigHash,
			"gpu":                info.MachineProfile,
			"gpu_count":          info.GPUCount,
			"healthy":            info.Healthy(),
			"loaded_models":      nonNil(info.LoadedModels),
			"memory_total_bytes": info.MemoryTotalBytes,
			"memory_used_bytes":  info.MemoryUsedBytes,
			"name":               info.Name,
			"queue_depth":        info.QueueDepth,
			"url":                info.URL,
		})
		if !info.Healthy() {
			continue
		}
		healthy++
		gpus += info.GPUCount
		for _, name := range info.LoadedModels {
			agg := models[name]
			if agg == nil {
				agg = &modelAgg{gpuTypes: map[string]bool{}}
				models[name] = agg
			}
			if info.MachineProfile != "" {
				agg.gpuTypes[info.MachineProfile] = true
			}
			agg.queue += info.QueueDepth
			agg.workers++
		}
	}
	names := make([]string, 0, len(models))
	for name := range models {
		names = append(names, name)
	}
	sort.Strings(names)
	modelList := make([]map[string]any, 0, len(names))
	for _, name := range names {
		agg := models[name]
		modelList = append(modelList, map[string]any{
			"gpu_types":         sortedKeys(agg.gpuTypes),
			"name":              name,
			"state":             "loaded",
			"total_queue_depth": agg.queue,
			"worker_count":      agg.workers,
		})
	}
	return map[string]any{
		"cluster": map[string]any{
			"gpu_count":     gpus,
			"models_loaded": len(names),
			"total_qps":     0.0, // no inference traffic in this phase
			"worker_count":  healthy,
		},
		"models":  modelList,
		"workers": list,
	}
}

// liveGPUTypes are the distinct machine profiles of Healthy workers.
func liveGPUTypes(all []*workers.Info) []string {
	set := map[string]bool{}
	for _, info := range all {
		if info.Healthy() && info.MachineProfile != "" {
			set[info.MachineProfile] = true
		}
	}
	return sortedKeys(set)
}

func sortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
