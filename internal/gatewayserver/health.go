package gatewayserver

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sieproject/sie/internal/workers"
)

// Health modes (SIE_GATEWAY_HEALTH_MODE, extensions E6): how the gateway
// hears its workers.
const (
	HealthWS   = "ws"   // the static list's status WebSockets (v0.3.1)
	HealthNATS = "nats" // heartbeats on sie.health.>, workers discovered
	HealthBoth = "both" // both; a worker heard both ways counts once
)

// The heartbeat subscription's queue limits: beyond them the client drops
// heartbeats (the next one, 5 s later, repairs the view).
const (
	healthPendingMsgs  = 65536
	healthPendingBytes = 64 << 20
)

// healthFromEnv reads SIE_GATEWAY_HEALTH_MODE and
// SIE_GATEWAY_NATS_HEALTH_TIMEOUT_S.
func healthFromEnv(e *envReader, cfg *Config) error {
	cfg.HealthMode = strings.ToLower(strings.TrimSpace(e.str("SIE_GATEWAY_HEALTH_MODE")))
	if cfg.HealthMode == "" {
		cfg.HealthMode = HealthWS
	}
	cfg.NATSHealthTimeout = e.seconds("SIE_GATEWAY_NATS_HEALTH_TIMEOUT_S", workers.DefaultSilenceTimeout)
	return cfg.validateHealth()
}

// validateHealth refuses an unknown mode, and a NATS mode without NATS (no
// worker could ever be seen).
func (c *Config) validateHealth() error {
	switch c.HealthMode {
	case "", HealthWS:
		return nil
	case HealthNATS, HealthBoth:
		if c.NATSURL == "" {
			return fmt.Errorf("SIE_GATEWAY_HEALTH_MODE=%s needs SIE_NATS_URL: workers announce themselves on NATS", c.HealthMode)
		}
		return nil
	}
	return fmt.Errorf("SIE_GATEWAY_HEALTH_MODE=%q is not one of ws, nats, both", c.HealthMode)
}

// usesWS and usesNATS say which sources the mode reads.
func (c *Config) usesWS() bool   { return c.HealthMode != HealthNATS }
func (c *Config) usesNATS() bool { return c.HealthMode == HealthNATS || c.HealthMode == HealthBoth }

// staticWorkers is the list the WebSocket clients dial: none in nats mode.
func (s *Server) staticWorkers() []string {
	if s.cfg.usesWS() {
		return s.cfg.Workers
	}
	if len(s.cfg.Workers) > 0 {
		s.log.Warn("SIE_GATEWAY_HEALTH_MODE=nats: the static worker list is ignored; workers are discovered by their NATS heartbeats",
			"workers", len(s.cfg.Workers))
	}
	return nil
}

// startNATSHealth subscribes to every worker heartbeat and starts the
// silence expiry; both end with bg. The client library resumes the
// subscription after reconnects.
func (s *Server) startNATSHealth(bg context.Context, metrics prometheus.Registerer) error {
	if !s.cfg.usesNATS() {
		return nil
	}
	if s.nats == nil {
		return errors.New("NATS health mode without a NATS connection")
	}
	hb := workers.NewHeartbeats(s.registry, workers.HeartbeatConfig{
		SilenceTimeout: s.cfg.NATSHealthTimeout, ExpiryInterval: s.cfg.NATSHealthExpiryInterval, Metrics: metrics,
	})
	sub, err := s.nats.SubscribeSubject(workers.HealthSubjects, func(subject string, data []byte) {
		hb.Handle(subject, data, time.Now())
	})
	if err != nil {
		return err
	}
	if err := sub.SetPendingLimits(healthPendingMsgs, healthPendingBytes); err != nil {
		return err
	}
	s.background.Add(1)
	go func() { defer s.background.Done(); hb.RunExpiry(bg) }()
	s.log.Info("worker health over NATS", "mode", s.cfg.HealthMode, "subject", workers.HealthSubjects, "silence_timeout", s.cfg.NATSHealthTimeout)
	return nil
}
