package gateway

import (
	"strings"

	"github.com/sieproject/sie/internal/logging"
)

// DefaultTrustedProducers is the code default of
// SIE_NATS_CONFIG_TRUSTED_PRODUCERS. The Helm chart sets `<fullname>-config`
// instead, which admits sie-config's pod names through the "-" rule (D3n).
var DefaultTrustedProducers = []string{"sie-config"}

// Trust is the producer allow-list of §3.4. An empty list trusts everyone.
type Trust []string

// Admits reports whether a delta from producer is trusted: the list is
// empty, or an entry equals producer, or producer is the entry followed by
// "-" and anything (a pod name such as sie-config-5f7b6d8c-kxwvr).
func (t Trust) Admits(producer string) bool {
	if len(t) == 0 {
		return true
	}
	for _, entry := range t {
		if producer == entry {
			return true
		}
		if len(producer) > len(entry) && strings.HasPrefix(producer, entry) && producer[len(entry)] == '-' {
			return true
		}
	}
	return false
}

// trusts reports whether a delta from producer is trusted: by the
// configured list, or as the router id of the sie-config the mirror
// bootstraps from.
func (m *Mirror) trusts(producer string) bool {
	if m.cfg.Trusted.Admits(producer) {
		return true
	}
	src := m.source.Load()
	return src != nil && *src == producer
}

// trustedList is the allow-list for logs: the configured entries and the
// learned bootstrap source.
func (m *Mirror) trustedList() []string {
	out := append([]string(nil), m.cfg.Trusted...)
	if src := m.source.Load(); src != nil {
		out = append(out, *src+" (bootstrap source)")
	}
	return out
}

// learnSource trusts the router id of the sie-config the mirror just
// bootstrapped from, unless the configured list already admits it (or
// there is no id, or sie-config runs without NATS).
func (m *Mirror) learnSource(routerID string) {
	if routerID == "" || routerID == "standalone" || m.cfg.Trusted.Admits(routerID) {
		return
	}
	if old := m.source.Load(); old != nil && *old == routerID {
		return
	}
	m.source.Store(&routerID)
	m.log.Info("trusting config deltas from the sie-config this gateway bootstraps from",
		"router_id", logging.Truncate(routerID, logging.MaxFieldBytes))
}
