package gateway

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the sie_gateway_config_* families (sie-gateway.md §10) and the
// NATS connection gauge.
type Metrics struct {
	BootstrapFailures  prometheus.Counter
	BootstrapDegraded  prometheus.Gauge
	Deltas             *prometheus.CounterVec
	Resyncs            *prometheus.CounterVec
	ExportSkippedTotal prometheus.Counter
	ExportSkipped      prometheus.Gauge
	NATSConnected      prometheus.Gauge
	epoch              prometheus.Gauge
}

// NewMetrics creates the families and registers them on reg (nil: not
// registered, for tests that do not scrape).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		BootstrapFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sie_gateway_config_bootstrap_failures_total",
			Help: "Failed resync attempts against sie-config, whatever the trigger.",
		}),
		BootstrapDegraded: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sie_gateway_config_bootstrap_degraded",
			Help: "1 after 10 consecutive resync failures or 300 s of failing; cleared by any success.",
		}),
		Deltas: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sie_gateway_config_deltas_total",
			Help: "NATS config deltas received, by kind and result.",
		}, []string{"kind", "result"}),
		Resyncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sie_gateway_config_resyncs_total",
			Help: "Resync attempts, by trigger and result.",
		}, []string{"trigger", "result"}),
		ExportSkippedTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sie_gateway_config_export_entries_skipped_total",
			Help: "Export entries skipped during resyncs.",
		}),
		ExportSkipped: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sie_gateway_config_export_entries_skipped",
			Help: "Export entries skipped in the last successful resync.",
		}),
		NATSConnected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sie_gateway_nats_connected",
			Help: "1 while the NATS connection is up.",
		}),
		epoch: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sie_gateway_config_epoch",
			Help: "The gateway's local config epoch L.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.epoch, m.BootstrapFailures, m.BootstrapDegraded, m.Deltas, m.Resyncs,
			m.ExportSkippedTotal, m.ExportSkipped, m.NATSConnected)
	}
	return m
}

// setEpoch publishes L.
func (m *Metrics) setEpoch(e uint64) { m.epoch.Set(float64(e)) }
