package catalog

// Bundle is a worker image's adapter set, as loaded from a bundle file.
type Bundle struct {
	Name     string
	Priority int64
	Adapters []string // file order, duplicates kept
}

// HasModule reports whether the bundle lists the adapter module.
func (b *Bundle) HasModule(module string) bool {
	for _, a := range b.Adapters {
		if a == module {
			return true
		}
	}
	return false
}

// AdapterSet returns the bundle's adapters as a set.
func (b *Bundle) AdapterSet() map[string]bool {
	set := make(map[string]bool, len(b.Adapters))
	for _, a := range b.Adapters {
		set[a] = true
	}
	return set
}
