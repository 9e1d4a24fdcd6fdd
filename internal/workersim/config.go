// Package workersim runs simulated SIE workers (worker-protocol.md §8): each
// loads a models directory filtered by its bundle exactly as a real Python
// worker does, applies config deltas from NATS with the per-model epoch
// guard, and serves the worker status stream and probes, with fault
// injection for exercising gateways. Tests and `siectl dev` start a Fleet
// in-process; cmd/sie-worker-sim is a thin wrapper.
package workersim

import (
	"errors"

	"fmt"
	"path/filepath"
	"time"

	"github.com/sieproject/sie/internal/bus"
)

// Config describes a fleet of simulated workers of one bundle.
type Config struct {
	Bundle     string // bundle id: the file stem in BundlesDir (required)
	Count      int    // number of workers (≥ 1)
	ModelsDir  string // startup models directory (required)
	BundlesDir string // "" → ModelsDir/../bundles
	NATSURL    string // "" → no NATS
	// NATSCredentials authenticate to NATS (SIE_NATS_USER, …).
	NATSCredentials bus.Credentials

	Host string // listen address
	// Port is worker 0's port; worker i listens on Port+i. 0 gives every
	// worker an ephemeral port (tests).
	Port int

	NamePrefix     string // worker i reports "{NamePrefix}-{Bundle}-{i}"
	MachineProfile string // machine_profile and each GPU's gpu_type
	Pool           string // pool_name
	GPUCount       int    // gpu_count and the number of gpus entries (≥ 0)

	// Faults at startup; each worker can change them at run time through
	// POST /sim/faults.
	ApplyLag        time.Duration // delay between receiving and applying a delta
	DropDeltas      int           // silently drop the first K deltas received
	DropFraction    float64       // also drop this fraction of deltas, evenly spread
	NotReady        bool          // start with ready=false
	DisconnectAfter time.Duration // close each status socket this long after it opened (0 = never)

	// Catch-up (extensions E3). ConfigURL is sie-config's base URL; ""
	// disables catch-up (the v0.3.1 behaviour). ConfigToken is the bearer
	// for /epoch and /export. ConfigPoll is the /epoch poll period and
	// ConfigFullSync the period of unconditional reconciles.
	ConfigURL      string
	ConfigToken    string
	ConfigPoll     time.Duration
	ConfigFullSync time.Duration

	// HealthMode (--health-mode) is ws, nats or both ("" is ws): the
	// status WebSocket, NATS heartbeats on sie.health.<name>, or both.
	HealthMode string

	// StatusInterval is the status push period (0 → 200 ms, the worker's).
	StatusInterval time.Duration
	// HeartbeatInterval is the NATS heartbeat period (0 → 5 s).
	HeartbeatInterval time.Duration
	// NATSRetryInterval overrides the 2 s NATS retry (tests).
	NATSRetryInterval time.Duration
}

// DefaultConfig returns the spec's defaults for everything but the required
// Bundle and ModelsDir.
func DefaultConfig() Config {
	return Config{
		Count:          1,
		Host:           "127.0.0.1",
		Port:           8080,
		NamePrefix:     "sim",
		MachineProfile: "l4",
		GPUCount:       1,
		ConfigPoll:     DefaultConfigPoll,
		ConfigFullSync: DefaultConfigFullSync,
		StatusInterval: DefaultStatusInterval,
		HealthMode:     HealthWS,
	}
}

// Catch-up periods of later upstream workers (extensions E3).
const (
	DefaultConfigPoll     = 30 * time.Second
	DefaultConfigFullSync = 300 * time.Second
)

// DefaultStatusInterval is how often a Python worker pushes its status.
const DefaultStatusInterval = 200 * time.Millisecond

// Validate reports the first invalid field; the command maps it to exit 2.
func (c *Config) Validate() error {
	switch {
	case c.Bundle == "":
		return errors.New("--bundle is required")
	case c.ModelsDir == "":
		return errors.New("--models-dir is required")
	case c.Count < 1:
		return fmt.Errorf("--count must be at least 1, got %d", c.Count)
	case c.Port < 0 || c.Port > 65535 || (c.Port > 0 && c.Port+c.Count-1 > 65535):
		return fmt.Errorf("--port %d with --count %d is outside 0-65535", c.Port, c.Count)
	case c.GPUCount < 0:
		return fmt.Errorf("--gpu-count must not be negative, got %d", c.GPUCount)
	case c.ApplyLag < 0:
		return fmt.Errorf("--apply-lag must not be negative, got %s", c.ApplyLag)
	case c.DropDeltas < 0:
		return fmt.Errorf("--drop-deltas must not be negative, got %d", c.DropDeltas)
	case c.DropFraction < 0 || c.DropFraction > 1:
		return fmt.Errorf("--drop-fraction must be within [0, 1], got %v", c.DropFraction)
	case c.DisconnectAfter < 0:
		return fmt.Errorf("--disconnect-after must not be negative, got %s", c.DisconnectAfter)
	case c.ConfigURL != "" && c.ConfigPoll <= 0:
		return fmt.Errorf("--config-poll must be positive, got %s", c.ConfigPoll)
	case c.ConfigURL != "" && c.ConfigFullSync <= 0:
		return fmt.Errorf("--config-full-sync must be positive, got %s", c.ConfigFullSync)
	case c.StatusInterval < 0:
		return fmt.Errorf("status interval must not be negative, got %s", c.StatusInterval)
	case c.HeartbeatInterval < 0:
		return fmt.Errorf("heartbeat interval must not be negative, got %s", c.HeartbeatInterval)
	case c.HealthMode != "" && c.HealthMode != HealthWS && c.HealthMode != HealthNATS && c.HealthMode != HealthBoth:
		return fmt.Errorf("--health-mode must be ws, nats or both, got %q", c.HealthMode)
	case c.publishesHeartbeats() && c.NATSURL == "":
		return fmt.Errorf("--health-mode %s needs --nats-url (heartbeats go over NATS)", c.HealthMode)
	}
	return nil
}

func (c Config) bundlesDir() string {
	if c.BundlesDir != "" {
		return c.BundlesDir
	}
	return filepath.Join(c.ModelsDir, "..", "bundles")
}

func (c Config) statusInterval() time.Duration {
	if c.StatusInterval > 0 {
		return c.StatusInterval
	}
	return DefaultStatusInterval
}

// workerName is the spec's "{prefix}-{bundle}-{i}".
func (c Config) workerName(i int) string {
	return fmt.Sprintf("%s-%s-%d", c.NamePrefix, c.Bundle, i)
}
