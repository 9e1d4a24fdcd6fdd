package controlplane

import (
	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/yamldoc"
)

// The id rules of a write, applied before anything else is looked at, in
// the order of sie-config.md §3.6: the path id of a PUT or DELETE first,
// then the body's YAML (the guarded dialect), then its sie_id.

// checkPathID applies the model-id rule to the id named by the path.
func checkPathID(id string) error {
	if msg := catalog.CheckModelID(id); msg != "" {
		return &catalog.InvalidIDError{Message: msg}
	}
	return nil
}

// parseWriteBody parses a POST or PUT body (YAML, of which JSON is a part)
// and applies the sie_id rules: present, a string, and a valid model id.
func parseWriteBody(body []byte) (string, *doc.Map, error) {
	d, err := yamldoc.Parse(body)
	if err != nil {
		return "", nil, err
	}
	id, err := catalog.DocumentID(d)
	if err != nil {
		return "", nil, err
	}
	return id, d, nil
}

// Find is the read lookup of GET /v1/configs/models/{id}: the model-id
// rule, then the registry, then the exact or case-folded match.
func (s *Service) Find(id string) (*catalog.Model, error) {
	if err := checkPathID(id); err != nil {
		return nil, err
	}
	snap := s.Snapshot()
	if snap == nil {
		return nil, RegistryUnavailableError{}
	}
	m := snap.Find(id)
	if m == nil {
		return nil, &ModelNotFoundError{ID: id}
	}
	return m, nil
}
