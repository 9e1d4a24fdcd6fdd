package workerview

import (
	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/doc"
)

// Form says how a worker holds a model document (hashes.md §4.1).
type Form int

const (
	// Full: the document passed the strict worker schema.
	Full Form = iota + 1
	// Stub: the document failed the schema and was rebuilt from
	// adapter_path, max_batch_tokens and extends only (worker-protocol.md §4).
	Stub
)

func (f Form) String() string {
	switch f {
	case Full:
		return "full"
	case Stub:
		return "stub"
	}
	return "none"
}

// Model is a model as a worker holds it: the typed result of the
// strict schema (or of the stub), with values already coerced the way
// pydantic coerces them. It is immutable once built.
type Model struct {
	ID                string
	Form              Form
	HFID              any      // string or nil
	MaxSequenceLength any      // int64, *big.Int or nil
	Inputs            []string // enabled modalities in the order text, image, audio, video, document
	Outputs           []string // dense, sparse, multivector, score, json — those the tasks declare
	Dims              *doc.Map // {dense?, sparse?, multivector?: int}
	Profiles          []Profile
}

// Profile is one profile, raw and unresolved (extends is not applied).
type Profile struct {
	Name             string
	Extends          any // string or nil
	AdapterPath      any // string or nil
	MaxBatchTokens   any // int64, *big.Int or nil, after int coercion
	ComputePrecision any // "float16", "bfloat16", "float32" or nil
	// Loadtime and Runtime are the adapter_options halves; nil means {}.
	Loadtime, Runtime *doc.Map
}

// Profile returns the named profile.
func (m *Model) Profile(name string) (*Profile, bool) {
	for i := range m.Profiles {
		if m.Profiles[i].Name == name {
			return &m.Profiles[i], true
		}
	}
	return nil, false
}

// Resolved returns the profile with its extends parent applied, the way the
// worker resolves profiles for serving and variants (worker-protocol.md §3.5).
// It is never used for hashing.
func (m *Model) Resolved(name string) (Profile, bool) {
	p, ok := m.Profile(name)
	if !ok {
		return Profile{}, false
	}
	parentName, _ := p.Extends.(string)
	if p.Extends == nil {
		out := *p
		return out, true
	}
	parent, ok := m.Profile(parentName)
	if !ok {
		return Profile{}, false
	}
	out := *parent
	out.Name, out.Extends = p.Name, nil
	if p.AdapterPath != nil {
		out.AdapterPath = p.AdapterPath
	}
	if p.MaxBatchTokens != nil {
		out.MaxBatchTokens = p.MaxBatchTokens
	}
	if p.ComputePrecision != nil {
		out.ComputePrecision = p.ComputePrecision
	}
	// Each half is replaced whole when the child's is non-empty: no deep merge.
	if p.Loadtime.Len() > 0 {
		out.Loadtime = p.Loadtime
	}
	if p.Runtime.Len() > 0 {
		out.Runtime = p.Runtime
	}
	return out, true
}

// Variants returns the "{id}:{profile}" entries a worker derives from a
// models-directory file: one per profile other than default, each holding a
// single default profile with the resolved values (worker-protocol.md §1).
func (m *Model) Variants() []*Model {
	var out []*Model
	for _, p := range m.Profiles {
		if p.Name == "default" {
			continue
		}
		r, ok := m.Resolved(p.Name)
		if !ok {
			continue
		}
		r.Name = "default"
		v := *m
		v.ID = m.ID + ":" + p.Name
		v.Profiles = []Profile{r}
		out = append(out, &v)
	}
	return out
}

// DefaultAdapter is the resolved default profile's adapter_path (string or
// nil): the "adapter" of the status message's model config.
func (m *Model) DefaultAdapter() any {
	r, ok := m.Resolved("default")
	if !ok {
		return nil
	}
	return r.AdapterPath
}

// ModuleSet returns the adapter modules of the model's profiles (non-empty
// string adapter_path only), as the worker's bundle filter sees them.
func (m *Model) ModuleSet() []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range m.Profiles {
		s, ok := p.AdapterPath.(string)
		if !ok || s == "" {
			continue
		}
		mod := catalog.ModuleOf(s)
		if !seen[mod] {
			seen[mod] = true
			out = append(out, mod)
		}
	}
	return out
}
