package workerview

import (
	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/listhash"
)

// ExpectedHash is the worker-side bundle_config_hash that workers of
// bundle report once they hold every document of snapshot s: each model
// whose bundle list contains bundle, in its worker view (full, else stub,
// else left out). It is the gateway's expectation (hashes.md §4.3) computed
// from sie-config's side, so a dry run can predict what workers will report.
func ExpectedHash(s *catalog.Snapshot, bundle string) string {
	entries := map[string][]byte{}
	for _, m := range s.Models() {
		if !m.InBundle(bundle) {
			continue
		}
		d := m.Effective()
		if !d.Has("sie_id") {
			// A seed declared through name: is published with sie_id first.
			d = d.Clone()
			d.Prepend("sie_id", m.ID)
		}
		if v := Held(d, m.ID); v != nil {
			entries[m.ID] = Entry(v)
		}
	}
	return listhash.NewSetFrom(entries).Hash()
}
