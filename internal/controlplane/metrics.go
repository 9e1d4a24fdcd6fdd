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
