package catalog

import (
	"strings"

	"github.com/sieproject/sie/internal/doc"
)

// BundleSet is the immutable set of loaded bundles in bundle order.
type BundleSet struct {
	ordered []*Bundle
	byName  map[string]*bundleInfo
	hash    string
	// known is the union of every bundle's adapters (validation rule 5).
	known map[string]bool
	// single holds, per known module, the one-module set and its bundle
	// list, shared by every model whose documents use just that module
	// (most of them): a registry of 100k models keeps two lists, not 200k.
	single map[string]moduleLists
}

// moduleLists is a module set and its bundle list, shared read-only, and
// the lists of a model with that module set and one "default" profile.
type moduleLists struct {
	modules, bundles []string
	model            *modelLists
}

type bundleInfo struct {
	*Bundle
	adapterSet map[string]bool
}

// NewBundleSet indexes bundles, which must already be de-duplicated.
func NewBundleSet(bundles []*Bundle) *BundleSet {
	ordered := append([]*Bundle(nil), bundles...)
	SortBundles(ordered)
	bs := &BundleSet{ordered: ordered, byName: map[string]*bundleInfo{}, known: map[string]bool{}}
	for _, b := range ordered {
		bs.byName[b.Name] = &bundleInfo{Bundle: b, adapterSet: b.AdapterSet()}
		for _, a := range b.Adapters {
			bs.known[a] = true
		}
	}
	bs.hash = BundlesHash(ordered)
	bs.single = make(map[string]moduleLists, len(bs.known))
	for a := range bs.known {
		modules := []string{a}
		bundles := bs.bundlesFor(modules)
		bs.single[a] = moduleLists{modules: modules, bundles: bundles,
			model: &modelLists{modules: modules, bundles: bundles, profileNames: defaultProfile}}
	}
	return bs
}

// lists returns a model's lists for its module set and profile names: a
// shared one for the usual model (one known module, one "default"
// profile), else its own, with the module strings shared.
func (bs *BundleSet) lists(modules, profileNames []string) *modelLists {
	if len(modules) == 1 && len(profileNames) == 1 && profileNames[0] == defaultProfile[0] {
		if l, ok := bs.single[modules[0]]; ok {
			return l.model
		}
	}
	modules = bs.internModules(modules)
	return &modelLists{modules: modules, bundles: bs.BundlesFor(modules), profileNames: profileNames}
}

// ModuleSetOf is ModuleSet(d) with its strings and list shared with the
// bundle set where possible (see internModules): callers must not modify it.
func (bs *BundleSet) ModuleSetOf(d *doc.Map) []string { return bs.internModules(ModuleSet(d)) }

// internModules returns modules (a sorted module set) with the bundle set's
// copies of its known modules, so a model keeps no string of its document
// alive; the one-module set of a known module is a shared list. Callers
// must not modify the result.
func (bs *BundleSet) internModules(modules []string) []string {
	if len(modules) == 1 {
		if l, ok := bs.single[modules[0]]; ok {
			return l.modules
		}
	}
	for i, m := range modules {
		if l, ok := bs.single[m]; ok {
			modules[i] = l.modules[0]
		} else {
			modules[i] = strings.Clone(m)
		}
	}
	return modules
}

// Ordered returns the bundles in bundle order.
func (bs *BundleSet) Ordered() []*Bundle { return bs.ordered }

// Len returns the number of bundles.
func (bs *BundleSet) Len() int { return len(bs.ordered) }

func (bs *BundleSet) info(name string) *bundleInfo { return bs.byName[name] }

// Lookup returns the named bundle (exact match) or nil.
func (bs *BundleSet) Lookup(name string) *Bundle {
	if bi := bs.byName[name]; bi != nil {
		return bi.Bundle
	}
	return nil
}

// Hash is the bundles_hash, computed once: bundles are static per process.
func (bs *BundleSet) Hash() string { return bs.hash }

// KnownModule reports whether any bundle lists the module.
func (bs *BundleSet) KnownModule(module string) bool { return bs.known[module] }

// BundlesFor returns, in bundle order, every bundle whose adapters
// intersect the module set. The list may be shared: callers must not
// modify it.
func (bs *BundleSet) BundlesFor(modules []string) []string {
	if len(modules) == 1 {
		if l, ok := bs.single[modules[0]]; ok {
			return l.bundles
		}
	}
	return bs.bundlesFor(modules)
}

func (bs *BundleSet) bundlesFor(modules []string) []string {
	out := []string{}
	if len(modules) == 0 {
		return out
	}
	for _, b := range bs.ordered {
		set := bs.byName[b.Name].adapterSet
		for _, m := range modules {
			if set[m] {
				out = append(out, b.Name)
				break
			}
		}
	}
	return out
}

// Order sorts bundle names into bundle order, dropping unknown names and
// duplicates.
func (bs *BundleSet) Order(names ...[]string) []string {
	want := map[string]bool{}
	for _, list := range names {
		for _, n := range list {
			want[n] = true
		}
	}
	out := []string{}
	for _, b := range bs.ordered {
		if want[b.Name] {
			out = append(out, b.Name)
		}
	}
	return out
}
