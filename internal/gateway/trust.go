package gateway

import "strings"

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
