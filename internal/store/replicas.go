package store

import (
	"fmt"
	"strconv"
	"strings"
)

// EnvReplicas names the copies a replicated store (nats://) keeps of its
// data when it creates it.
const EnvReplicas = "SIE_CONFIG_STORE_REPLICAS"

// MaxReplicas is the largest replica count (JetStream's).
const MaxReplicas = 5

// ParseReplicas reads SIE_CONFIG_STORE_REPLICAS: unset or empty means 1,
// otherwise an integer from 1 to 5.
func ParseReplicas(v string) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxReplicas {
		return 0, fmt.Errorf("%s must be an integer from 1 to %d, got %q", EnvReplicas, MaxReplicas, v)
	}
	return n, nil
}
