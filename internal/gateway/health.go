package gateway

import "time"

// failed records a failed attempt: the failure counter, and the degraded
// gauge after DegradedFailures consecutive failures or DegradedAfter since
// the first failure of the run, logged once at ERROR.
func (m *Mirror) failed(err error, trigger string, retryIn time.Duration) {
	m.metrics.BootstrapFailures.Inc()
	m.degMu.Lock()
	m.failures++
	n := m.failures
	if n == 1 {
		gen := m.failGen
		m.degradeTime = time.AfterFunc(m.cfg.DegradedAfter, func() { m.markDegraded(gen) })
	}
	gen := m.failGen
	m.degMu.Unlock()
	m.log.Warn("config resync failed", "trigger", trigger, "consecutive_failures", n, "retry_in", retryIn, "err", err)
	if n >= m.cfg.DegradedFailures {
		m.markDegraded(gen)
	}
}

// markDegraded raises the gauge unless the failure run gen has ended.
func (m *Mirror) markDegraded(gen uint64) {
	m.degMu.Lock()
	if gen != m.failGen || m.degraded {
		m.degMu.Unlock()
		return
	}
	m.degraded = true
	n := m.failures
	m.degMu.Unlock()
	m.metrics.BootstrapDegraded.Set(1)
	m.log.Error("config sync degraded: sie-config has been unreachable or failing; serving the last known state",
		"consecutive_failures", n)
}

// recovered ends the failure run: any success clears the degraded gauge.
func (m *Mirror) recovered() {
	m.degMu.Lock()
	wasDegraded := m.degraded
	m.failures, m.degraded = 0, false
	m.failGen++
	if m.degradeTime != nil {
		m.degradeTime.Stop()
		m.degradeTime = nil
	}
	m.degMu.Unlock()
	if wasDegraded {
		m.metrics.BootstrapDegraded.Set(0)
		m.log.Info("config sync recovered")
	}
}

// Degraded reports the degraded flag (tests and diagnostics).
func (m *Mirror) Degraded() bool {
	m.degMu.Lock()
	defer m.degMu.Unlock()
	return m.degraded
}
