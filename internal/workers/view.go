package workers

import "sort"

// Eligible is a worker a /status request counts for a bundle (§4.2): state
// Healthy and an advertised bundle exactly equal to the bundle id.
type Eligible struct {
	Name string // advertised name, else URL
	URL  string
	Hash string // reported bundle_config_hash
	Info *Info  // the whole report
}

// view is derived from every Info at one registry version and shared by
// readers until the next change; status requests therefore do not scan or
// sort the workers.
type view struct {
	version  uint64
	byBundle map[string][]Eligible // sorted by name, then URL
	// advertising holds every known worker per advertised bundle, healthy
	// or not, sorted by name, then URL.
	advertising map[string][]*Info
	healthy     int
	// all is every known worker, each counted once, sorted by URL.
	all []*Info
}

// current returns a view no older than the registry's version at the call.
func (r *Registry) current() *view {
	if v := r.view.Load(); v != nil && v.version == r.version.Load() {
		return v
	}
	r.viewMu.Lock()
	defer r.viewMu.Unlock()
	ver := r.version.Load()
	if v := r.view.Load(); v != nil && v.version == ver {
		return v
	}
	// Infos read after ver was loaded are at least as new as ver; a change
	// racing with the build bumps the version and forces the next rebuild.
	v := &view{version: ver, byBundle: map[string][]Eligible{}, advertising: map[string][]*Info{}}
	v.all = countOnce(*r.workers.Load())
	for _, info := range v.all {
		v.advertising[info.Bundle] = append(v.advertising[info.Bundle], info)
		if !info.Healthy() {
			continue
		}
		v.healthy++
		v.byBundle[info.Bundle] = append(v.byBundle[info.Bundle], Eligible{Name: info.Name, URL: info.URL, Hash: info.BundleConfigHash, Info: info})
	}
	for _, list := range v.byBundle {
		sort.Slice(list, func(i, j int) bool {
			if list[i].Name != list[j].Name {
				return list[i].Name < list[j].Name
			}
			return list[i].URL < list[j].URL
		})
	}
	for _, list := range v.advertising {
		sort.Slice(list, func(i, j int) bool {
			if list[i].Name != list[j].Name {
				return list[i].Name < list[j].Name
			}
			return list[i].URL < list[j].URL
		})
	}
	r.view.Store(v)
	return v
}

// Eligible returns the Healthy workers advertising exactly bundle, sorted
// by name. Callers must not modify the slice.
func (r *Registry) Eligible(bundle string) []Eligible { return r.current().byBundle[bundle] }

// Advertising returns every known worker advertising exactly bundle,
// healthy or not, sorted by name (then URL). Callers must not modify it.
func (r *Registry) Advertising(bundle string) []*Info { return r.current().advertising[bundle] }

// HealthyCount is the number of Healthy workers.
func (r *Registry) HealthyCount() int { return r.current().healthy }

// ConnectedWorkers is the number of Healthy workers advertising exactly
// bundle (the bundles list's connected_workers).
func (r *Registry) ConnectedWorkers(bundle string) int { return len(r.Eligible(bundle)) }

// Version changes whenever anything a view shows may have changed; callers
// cache what they derive from the registry under it.
func (r *Registry) Version() uint64 { return r.version.Load() }
