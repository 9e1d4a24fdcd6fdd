package siectl

import (
	"fmt"
	"strings"

	"github.com/sieproject/sie/internal/gatewayserver"
	"github.com/sieproject/sie/internal/workersim"
)

// checkHealthMode validates --health-mode: how the dev gateways hear the
// simulated workers.
func checkHealthMode(mode string) error {
	switch mode {
	case gatewayserver.HealthWS, gatewayserver.HealthNATS, gatewayserver.HealthBoth:
		return nil
	}
	return &ExitError{Code: 2, Err: fmt.Errorf("--health-mode must be ws, nats or both, got %q", mode)}
}

// healthWorkers sets the fleet's health mode: the workers publish NATS
// heartbeats in nats and both modes.
func healthWorkers(wc *workersim.Config, mode string) { wc.HealthMode = mode }

// healthGatewayEnv sets a gateway's health mode; in nats mode it gets no
// worker list at all and discovers the workers by their heartbeats.
func healthGatewayEnv(env envMap, mode string, workerURLs []string) {
	env["SIE_GATEWAY_HEALTH_MODE"] = mode
	if mode != gatewayserver.HealthNATS {
		env["SIE_GATEWAY_WORKERS"] = strings.Join(workerURLs, ",")
	}
}

// healthBanner is the banner's line on how gateways find workers.
func (cl *devCluster) healthBanner() string {
	switch cl.healthMode {
	case gatewayserver.HealthNATS:
		return "  workers     discovered by their NATS heartbeats (sie.health.>), no worker list\n"
	case gatewayserver.HealthBoth:
		return "  workers     status WebSockets and NATS heartbeats (each worker counted once)\n"
	}
	return ""
}
