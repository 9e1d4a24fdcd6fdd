package catalog

import (
	"sort"
	"strings"

	"github.com/sieproject/sie/internal/doc"
)

// ModuleOf returns the adapter module of an adapter_path: the text before the
// first ':', or the whole string.
func ModuleOf(adapterPath string) string {
	if i := strings.IndexByte(adapterPath, ':'); i >= 0 {
		return adapterPath[:i]
	}
	return adapterPath
}

// Profiles returns the document's profiles mapping, or nil when it is absent
// or not a mapping.
func Profiles(d *doc.Map) *doc.Map {
	v, _ := d.Get("profiles")
	p, _ := v.(*doc.Map)
	return p
}

// ModuleSet returns the sorted, de-duplicated modules of every profile whose
// adapter_path is a non-empty string.
func ModuleSet(d *doc.Map) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range Profiles(d).Entries() {
		prof, ok := e.Value.(*doc.Map)
		if !ok {
			continue
		}
		ap, _ := prof.Get("adapter_path")
		s, ok := ap.(string)
		if !ok || s == "" {
			continue
		}
		m := ModuleOf(s)
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out
}
