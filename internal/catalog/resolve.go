package catalog

import "errors"

// ErrModelNotFound means resolve found no model, or one with no bundle.
var ErrModelNotFound = errors.New("model not found")

// BundleConflictError means the requested bundle cannot serve the model.
type BundleConflictError struct {
	Bundle     string
	Compatible []string
}

func (e *BundleConflictError) Error() string {
	return "bundle " + e.Bundle + " does not support the model"
}

// Resolve picks the bundle that serves name (read lookup). An override,
// when given, must be in the model's bundle list (exact match).
func (s *Snapshot) Resolve(name string, override *string) (*Model, string, error) {
	m := s.Find(name)
	if m == nil || len(m.lists.bundles) == 0 {
		return nil, "", ErrModelNotFound
	}
	if override == nil {
		return m, m.lists.bundles[0], nil
	}
	if m.InBundle(*override) {
		return m, *override, nil
	}
	return m, "", &BundleConflictError{Bundle: *override, Compatible: m.lists.bundles}
}
