package catalog

import (
	"sort"

	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/listhash"
)

// canonicalProfileKeys are the four hashed profile fields (hashes.md §3).
var canonicalProfileKeys = [...]string{"adapter_path", "max_batch_tokens", "compute_precision", "adapter_options"}

// ConfigModelEntry returns the canonical orjson text of one model's element of
// the config-side bundle_config_hash list for a bundle whose adapter set is
// adapters (hashes.md §3), or nil when the model is not included (its module
// set does not meet adapters).
//
// Entries are independent byte slices so the registry can cache them per model
// and per bundle; listhash.Digest joins them without re-encoding.
func ConfigModelEntry(id string, d *doc.Map, adapters map[string]bool) []byte {
	included := false
	for _, m := range ModuleSet(d) {
		if adapters[m] {
			included = true
			break
		}
	}
	if !included {
		return nil
	}
	profiles := Profiles(d)
	names := profiles.Keys()
	sort.Strings(names)

	out := make([]byte, 0, 64+160*len(names))
	out = append(out, `{"profiles":[`...)
	first := true
	for _, name := range names {
		v, _ := profiles.Get(name)
		prof, _ := v.(*doc.Map)
		ap, _ := prof.Get("adapter_path")
		// Profiles owned by another bundle are skipped; extends-only profiles
		// (null or empty adapter_path) are kept.
		if s, ok := ap.(string); ok && s != "" && !adapters[ModuleOf(s)] {
			continue
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		out = append(out, `{"config":`...)
		out = canonjson.AppendCanonical(out, configCanonicalProfile(prof), canonjson.ORJSON)
		out = append(out, `,"name":`...)
		out = canonjson.AppendString(out, name, canonjson.ORJSON)
		out = append(out, '}')
	}
	out = append(out, `],"sie_id":`...)
	out = canonjson.AppendString(out, id, canonjson.ORJSON)
	return append(out, '}')
}

// configCanonicalProfile takes the four fields raw (missing → null) and
// nulls an adapter_options mapping whose values are all falsy, as upstream.
func configCanonicalProfile(prof *doc.Map) *doc.Map {
	out := doc.NewMap()
	for _, k := range canonicalProfileKeys {
		v, _ := prof.Get(k)
		if k == "adapter_options" {
			if m, ok := v.(*doc.Map); ok && allFalsy(m) {
				v = nil
			}
		}
		out.Set(k, v)
	}
	return out
}

// allFalsy reports whether every value of m is falsy in Python's sense
// (None, False, 0, 0.0, "", [], {}); true for an empty mapping.
func allFalsy(m *doc.Map) bool {
	for _, e := range m.Entries() {
		if doc.Truthy(e.Value) {
			return false
		}
	}
	return true
}

// BundlesHash returns bundles_hash (hashes.md §2): python-ascii canonical JSON
// of {name, priority, sorted adapters} per bundle, ordered by name; "" for
// no bundles.
func BundlesHash(bundles []*Bundle) string {
	if len(bundles) == 0 {
		return ""
	}
	sorted := append([]*Bundle(nil), bundles...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	entries := make([][]byte, len(sorted))
	for i, b := range sorted {
		adapters := append([]string{}, b.Adapters...)
		sort.Strings(adapters)
		obj := doc.NewMap(
			doc.Entry{Key: "name", Value: b.Name},
			doc.Entry{Key: "priority", Value: b.Priority},
			doc.Entry{Key: "adapters", Value: adapters},
		)
		entries[i] = canonjson.Canonical(obj, canonjson.PythonASCII)
	}
	return listhash.Digest(entries)
}
