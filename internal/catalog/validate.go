package catalog

import (
	"sort"
	"strings"

	"github.com/sieproject/sie/internal/doc"
)

// DocumentID applies POST/PUT step 7: the sie_id must be present, a string,
// and pass the model-id rule.
func DocumentID(body *doc.Map) (string, error) {
	v, _ := body.Get("sie_id")
	if !doc.Truthy(v) {
		return "", invalid("Missing required field: sie_id")
	}
	id, ok := v.(string)
	if !ok {
		return "", invalid("Field 'sie_id' must be a string")
	}
	if msg := CheckModelID(id); msg != "" {
		return "", &InvalidIDError{Message: msg}
	}
	return id, nil
}

// checkShape applies rules 2–5 of sie-config.md §5.5 and returns the
// document's profiles.
func checkShape(body *doc.Map, bs *BundleSet) (*doc.Map, error) {
	profiles, err := checkProfiles(body)
	if err != nil {
		return nil, err
	}
	var unknown []string
	for _, m := range ModuleSet(body) {
		if !bs.KnownModule(m) {
			unknown = append(unknown, m)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, invalid("Adapter(s) not in any known bundle: %s", strings.Join(unknown, ", "))
	}
	return profiles, nil
}

// ValidateStored applies rules 2–4 to a restored store document; routability
// is only logged for those, as for seeds.
func ValidateStored(d *doc.Map) error {
	_, err := checkProfiles(d)
	return err
}

// checkProfiles applies rules 2–4.
func checkProfiles(body *doc.Map) (*doc.Map, error) {
	v, _ := body.Get("profiles")
	if !doc.Truthy(v) {
		return nil, invalid("Missing required field: profiles")
	}
	profiles, ok := v.(*doc.Map)
	if !ok {
		return nil, invalid("Field 'profiles' must be a mapping of profile_name -> profile_config")
	}
	for _, e := range profiles.Entries() {
		p, ok := e.Value.(*doc.Map)
		if !ok {
			return nil, invalid("Profile '%s' must be a mapping", e.Key)
		}
		ap, _ := p.Get("adapter_path")
		if _, isStr := ap.(string); ap != nil && !isStr {
			return nil, invalid("Profile '%s': adapter_path must be a string", e.Key)
		}
		ext, _ := p.Get("extends")
		if emptyOrNull(ap) && emptyOrNull(ext) {
			return nil, invalid("Profile '%s' missing adapter_path", e.Key)
		}
	}
	return profiles, nil
}

func emptyOrNull(v any) bool {
	s, isStr := v.(string)
	return v == nil || isStr && s == ""
}

// canonicalKeys are the hashed profile fields.
var canonicalKeys = [...]string{"adapter_path", "max_batch_tokens", "compute_precision", "adapter_options"}

func canonicalEqual(a, b *doc.Map) bool {
	for _, k := range canonicalKeys {
		x, _ := a.Get(k)
		y, _ := b.Get(k)
		if !doc.Equal(x, y) {
			return false
		}
	}
	return true
}

func msgNoBundle(id string) error {
	return invalid("Model '%s' does not resolve to any known bundle. Every new model must contribute at least one profile whose `adapter_path` module appears in a bundle's adapters list. (Profiles that only `extends` another profile do not count.)", id)
}
