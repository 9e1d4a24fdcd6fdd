package controlplane

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the pipeline's sie_config_* families.
type Metrics struct {
	Epoch         prometheus.Gauge
	Models        *prometheus.GaugeVec
	NATSConnected prometheus.Gauge
	Publishes     *prometheus.CounterVec
	StoreWrites   *prometheus.CounterVec
}

// NewMetrics registers the families on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Epoch: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sie_config_epoch", Help: "Current persisted config epoch (0 if no ConfigStore is configured)"}),
		Models: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sie_config_models_total", Help: "Number of models known to the registry, split by origin"}, []string{"source"}),
		NATSConnected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sie_config_nats_connected", Help: "1 iff sie-config is currently connected to NATS for delta publishing"}),
		Publishes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sie_config_nats_publishes_total", Help: "Config-delta publish attempts to NATS"}, []string{"result"}),
		StoreWrites: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sie_config_store_writes_total", Help: "ConfigStore write operations, by op and result"}, []string{"op", "result"}),
	}
	reg.MustRegister(m.Epoch, m.Models, m.NATSConnected, m.Publishes, m.StoreWrites)
	// client_golang exports a labelled family only once it has a series, so
	// the contractual ones are created at 0: every sie_config_* name is in
	// the first scrape (upstream #87), and rates start from a known zero.
	for _, result := range []string{resultSuccess, resultPartial, resultFailure} {
		m.Publishes.WithLabelValues(result)
	}
	for _, op := range []string{opIncrementEpoch, opWriteModel, opDeleteModel, opRollback} {
		for _, result := range []string{resultSuccess, resultFailure} {
			m.StoreWrites.WithLabelValues(op, result)
		}
	}
	return m
}

func (m *Metrics) storeWrite(op string, err error) {
	if m == nil {
		return
	}
	result := "success"
	if err != nil {
		result = "failure"
	}
	m.StoreWrites.WithLabelValues(op, result).Inc()
}
