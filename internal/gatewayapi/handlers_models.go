package gatewayapi

import (
	"net/http"
	"sort"

	"github.com/sieproject/sie/internal/workers"
)

// listLoadedModels is GET /v1/models (§6): one entry per registry model, or,
// with an empty registry, per name loaded on a Healthy worker.
func (s *server) listLoadedModels(w http.ResponseWriter, _ *http.Request, _ param) {
	st := s.mirror.Snapshot()
	healthy := healthyOnly(s.workers.Workers())
	var list []map[string]any
	if st.Len() > 0 {
		for _, m := range st.Models() {
			list = append(list, modelEntry(m.ID, m.Bundles, healthy))
		}
	} else {
		for _, name := range loadedNames(healthy) {
			list = append(list, modelEntry(name, nil, healthy))
		}
	}
	if list == nil {
		list = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"models": list})
}

// getLoadedModel is GET /v1/models/{*model}.
func (s *server) getLoadedModel(w http.ResponseWriter, _ *http.Request, p param) {
	healthy := healthyOnly(s.workers.Workers())
	if m := s.mirror.Snapshot().Find(p.decoded); m != nil {
		writeJSON(w, http.StatusOK, modelEntry(m.ID, m.Bundles, healthy))
		return
	}
	for _, info := range healthy {
		if info.HasLoaded(p.decoded) {
			writeJSON(w, http.StatusOK, modelEntry(p.decoded, nil, healthy))
			return
		}
	}
	writeMessage(w, http.StatusNotFound, "Model '"+p.decoded+"' not found")
}

func modelEntry(name string, bundles []string, healthy []*workers.Info) map[string]any {
	urls := []string{}
	for _, info := range healthy {
		if info.HasLoaded(name) {
			urls = append(urls, info.URL)
		}
	}
	sort.Strings(urls)
	return map[string]any{
		"bundles":      nonNil(bundles),
		"loaded":       len(urls) > 0,
		"name":         name,
		"worker_count": len(urls),
		"workers":      urls,
	}
}

func healthyOnly(all []*workers.Info) []*workers.Info {
	var out []*workers.Info
	for _, info := range all {
		if info.Healthy() {
			out = append(out, info)
		}
	}
	return out
}

func loadedNames(healthy []*workers.Info) []string {
	set := map[string]bool{}
	for _, info := range healthy {
		for _, m := range info.LoadedModels {
			set[m] = true
		}
	}
	return sortedKeys(set)
}
