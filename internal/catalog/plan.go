package catalog

import (
	"sort"

	"github.com/sieproject/sie/internal/doc"
)

// AppendPlan is the outcome of validating a POST against a snapshot.
type AppendPlan struct {
	ID      string
	Created []string // body order
	Skipped []string // body order
	// Doc is the model's complete document after the write; nil when
	// nothing is created (a replay).
	Doc *doc.Map
	// Bundles is the model's post-write bundle list.
	Bundles []string
}

// PlanAppend validates a POST body (append-only semantics) and builds the
// merged document. body must already have passed DocumentID.
func PlanAppend(s *Snapshot, id string, body *doc.Map) (*AppendPlan, error) {
	bs := s.bundles
	profiles, err := checkShape(body, bs)
	if err != nil {
		return nil, err
	}
	existing := s.Exact(id)
	plan := &AppendPlan{ID: id, Created: []string{}, Skipped: []string{}}
	var current *doc.Map
	var currentProfiles *doc.Map
	if existing != nil {
		current = existing.Effective()
		currentProfiles = Profiles(current)
	}
	for _, e := range profiles.Entries() {
		old, ok := currentProfiles.Get(e.Key)
		if !ok {
			plan.Created = append(plan.Created, e.Key)
			continue
		}
		plan.Skipped = append(plan.Skipped, e.Key)
		oldMap, _ := old.(*doc.Map)
		if !canonicalEqual(e.Value.(*doc.Map), oldMap) {
			return nil, invalid("Profile '%s' on model '%s' already exists with different config (append-only -- cannot modify)", e.Key, id)
		}
	}
	if existing == nil {
		bundles := bs.BundlesFor(ModuleSet(body))
		if len(bundles) == 0 {
			return nil, msgNoBundle(id)
		}
		plan.Doc, plan.Bundles = body, bundles
		return plan, nil
	}
	merged := current.Clone()
	mergedProfiles := Profiles(merged)
	if mergedProfiles == nil {
		mergedProfiles = doc.NewMap()
		merged.Set("profiles", mergedProfiles)
	}
	for _, e := range profiles.Entries() {
		for _, c := range plan.Created {
			if c == e.Key {
				mergedProfiles.Set(e.Key, doc.Clone(e.Value))
			}
		}
	}
	postBundles := bs.BundlesFor(ModuleSet(merged))
	if len(plan.Created) > 0 && len(postBundles) == 0 {
		return nil, invalid("Appending profile(s) %s to model '%s' does not affect any bundle. Ensure at least one new profile has an `adapter_path` that a known bundle owns.", PyList(plan.Created), id)
	}
	if err := checkConflicts(id, current, body, plan.Skipped); err != nil {
		return nil, err
	}
	plan.Bundles = postBundles
	if len(plan.Created) == 0 {
		plan.Bundles = existing.Bundles()
		return plan, nil
	}
	for _, e := range body.Entries() {
		// sie_id is not appended like other new keys: a seed declared via
		// `name:` gets it as its first key below (§3.6 step 12).
		if e.Key != "profiles" && e.Key != "sie_id" && !merged.Has(e.Key) {
			merged.Set(e.Key, doc.Clone(e.Value))
		}
	}
	if !merged.Has("sie_id") {
		merged.Prepend("sie_id", id)
	}
	plan.Doc = merged
	return plan, nil
}

// checkConflicts applies the append-only conflict checks (§3.6 step 10):
// changed top-level values first, then skipped profiles whose whole mapping
// differs.
func checkConflicts(id string, current, body *doc.Map, skipped []string) error {
	fields := []string{}
	for _, e := range body.Entries() {
		if e.Key == "profiles" {
			continue
		}
		if old, ok := current.Get(e.Key); ok && !doc.Equal(old, e.Value) {
			fields = append(fields, e.Key)
		}
	}
	if len(fields) > 0 {
		sort.Strings(fields)
		return &ConflictError{ModelID: id, Fields: fields}
	}
	incoming := Profiles(body)
	currentProfiles := Profiles(current)
	var conflicting []string
	for _, name := range skipped {
		a, _ := incoming.Get(name)
		b, _ := currentProfiles.Get(name)
		if !doc.Equal(a, b) {
			conflicting = append(conflicting, name)
		}
	}
	if len(conflicting) > 0 {
		return &ConflictError{ModelID: id, Profiles: conflicting}
	}
	return nil
}

// ReplacePlan is the outcome of validating a PUT.
type ReplacePlan struct {
	ID        string
	Existing  *Model // nil when the model is new
	Unchanged bool
	Doc       *doc.Map
	// Added lists the new document's profiles missing from the old one, in
	// document order.
	Added []string
}

// PlanReplace validates a PUT body as a new model (rules 1–5 and 7a) and
// detects an unchanged document. id is the path id; body passed DocumentID.
func PlanReplace(s *Snapshot, id string, body *doc.Map) (*ReplacePlan, error) {
	profiles, err := checkShape(body, s.bundles)
	if err != nil {
		return nil, err
	}
	if len(s.bundles.BundlesFor(ModuleSet(body))) == 0 {
		return nil, msgNoBundle(id)
	}
	plan := &ReplacePlan{ID: id, Existing: s.Exact(id), Doc: body, Added: []string{}}
	var oldProfiles *doc.Map
	if plan.Existing != nil {
		if doc.Equal(plan.Existing.Effective(), body) {
			plan.Unchanged = true
			return plan, nil
		}
		oldProfiles = Profiles(plan.Existing.Effective())
	}
	for _, e := range profiles.Entries() {
		if !oldProfiles.Has(e.Key) {
			plan.Added = append(plan.Added, e.Key)
		}
	}
	return plan, nil
}
