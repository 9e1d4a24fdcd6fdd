package workers

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Collector exports the worker gauges of sie-gateway.md §10, recomputed
// from the registry on every scrape.
type Collector struct {
	reg *Registry
	// mu serializes concurrent scrapes, which would otherwise interleave
	// their reset-and-fill of the shared vectors (a leaf lock).
	mu           sync.Mutex
	workers      *prometheus.GaugeVec
	queueDepth   *prometheus.GaugeVec
	memoryUsed   *prometheus.GaugeVec
	modelWorkers *prometheus.GaugeVec
}

// NewCollector returns the collector; register it on the gateway registry.
func NewCollector(reg *Registry) *Collector {
	labels := []string{"worker", "machine_profile", "bundle"}
	return &Collector{
		reg: reg,
		workers: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sie_gateway_workers", Help: "Known workers by health (Unknown counts as unhealthy).",
		}, []string{"status"}),
		queueDepth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sie_gateway_worker_queue_depth", Help: "Queue depth reported by each Healthy worker.",
		}, labels),
		memoryUsed: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sie_gateway_worker_memory_used_bytes", Help: "GPU memory used by each Healthy worker.",
		}, labels),
		modelWorkers: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sie_gateway_model_workers", Help: "Healthy workers with the model loaded.",
		}, []string{"model"}),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	c.workers.Describe(ch)
	c.queueDepth.Describe(ch)
	c.memoryUsed.Describe(ch)
	c.modelWorkers.Describe(ch)
}

// Collect implements prometheus.Collector: the vectors are reset first, so
// workers and models that went away disappear from the output.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.workers.Reset()
	c.queueDepth.Reset()
	c.memoryUsed.Reset()
	c.modelWorkers.Reset()
	healthy, unhealthy := 0, 0
	perModel := map[string]int{}
	for _, info := range c.reg.Workers() {
		if !info.Healthy() {
			unhealthy++
			continue
		}
		healthy++
		c.queueDepth.WithLabelValues(info.Name, info.MachineProfile, info.Bundle).Set(float64(info.QueueDepth))
		c.memoryUsed.WithLabelValues(info.Name, info.MachineProfile, info.Bundle).Set(float64(info.MemoryUsedBytes))
		for _, m := range info.LoadedModels {
			perModel[m]++
		}
	}
	c.workers.WithLabelValues("healthy").Set(float64(healthy))
	c.workers.WithLabelValues("unhealthy").Set(float64(unhealthy))
	for m, n := range perModel {
		c.modelWorkers.WithLabelValues(m).Set(float64(n))
	}
	c.workers.Collect(ch)
	c.queueDepth.Collect(ch)
	c.memoryUsed.Collect(ch)
	c.modelWorkers.Collect(ch)
}
