package gatewayapi

import "github.com/prometheus/client_golang/prometheus"

// rolloutMetrics count the answers of the fleet-wide rollout route.
type rolloutMetrics struct {
	requests *prometheus.CounterVec
}

func newRolloutMetrics(reg prometheus.Registerer) *rolloutMetrics {
	m := &rolloutMetrics{requests: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sie_gateway_rollout_requests_total",
		Help: "Answers of GET /v1/configs/models/{id}/rollout, by the rollout's state.",
	}, []string{"state"})}
	if reg != nil {
		reg.MustRegister(m.requests)
	}
	return m
}

func (m *rolloutMetrics) observe(state string) { m.requests.WithLabelValues(state).Inc() }
