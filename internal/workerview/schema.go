package workerview

import (
	"fmt"

	"github.com/sieproject/sie/internal/doc"
)

// The strict worker schema (worker-protocol.md §3): pydantic ModelConfig with
// extra="forbid" at every level and lax type coercion. Problems are reported
// as "<location>: <message>", locations dotted like pydantic's.

var (
	workerTopKeys     = []string{"sie_id", "hf_id", "hf_revision", "weights_path", "package_backed", "inputs", "tasks", "max_sequence_length", "profiles"}
	workerInputKeys   = []string{"text", "image", "audio", "video", "document"}
	workerTaskKeys    = []string{"encode", "score", "extract"}
	workerEncodeKeys  = []string{"dense", "sparse", "multivector"}
	workerProfileKeys = []string{"extends", "adapter_path", "max_batch_tokens", "compute_precision", "adapter_options", "adaptive_batching"}
	workerOptionKeys  = []string{"loadtime", "runtime"}
	workerBatchingKey = []string{"target_p50_ms", "calibration_multiplier", "min_target_p50_ms", "max_target_p50_ms", "min_wait_ms", "max_wait_ms", "gain", "integral_gain"}
)

// SchemaProblems validates d against the strict worker schema and
// returns every problem found, or nil when a worker would accept the document
// in full form. sie-config uses it to warn about documents workers would
// degrade to a stub.
func SchemaProblems(d *doc.Map) []string {
	_, problems := Parse(d)
	return problems
}

// Parse applies the strict schema. It returns the full-form model,
// or nil and the problems.
func Parse(d *doc.Map) (*Model, []string) {
	m, p := parseModel(d)
	return m, p.strings()
}

func parseModel(d *doc.Map) (*Model, problemList) {
	var p problemList
	m := &Model{Form: Full}
	p.extraKeys("", d, workerTopKeys)

	switch v, ok := d.Get("sie_id"); {
	case !ok:
		p.add("sie_id", "Field required")
	case !isString(v):
		p.typed("sie_id", msgString, v)
	default:
		m.ID = v.(string)
	}
	for _, k := range []string{"hf_id", "hf_revision", "weights_path"} {
		if v, _ := d.Get(k); !workerOptString(v) {
			p.typed(k, msgString, v)
		}
	}
	m.HFID, _ = d.Get("hf_id")
	packageBacked := false
	if v, ok := d.Get("package_backed"); ok {
		b, ok := workerBool(v)
		if !ok {
			p.typed("package_backed", msgBool, v)
		}
		packageBacked = b
	}
	m.Inputs = parseWorkerInputs(&p, d)
	parseWorkerTasks(&p, d, m)
	if v, ok := d.Get("max_sequence_length"); ok {
		i, ok := workerOptInt(v)
		if !ok {
			p.typed("max_sequence_length", msgInt, v)
		}
		m.MaxSequenceLength = i
	}
	profilesOK := parseWorkerProfiles(&p, d, m)

	if len(p) > 0 {
		return nil, p
	}
	// Model validators run only once every field has its type.
	hfRev, _ := d.Get("hf_revision")
	weights, _ := d.Get("weights_path")
	if packageBacked {
		if m.HFID != nil || weights != nil || hfRev != nil {
			p.rule("", "package_backed models must not set hf_id, weights_path or hf_revision",
				"'package_backed' is true but 'hf_id', 'weights_path' or 'hf_revision' is set")
		}
	} else if m.HFID == nil && weights == nil {
		p.rule("", "either hf_id or weights_path must be set", "neither 'hf_id' nor 'weights_path' is set")
	}
	if profilesOK {
		p = append(p, workerProfileRules(m.Profiles)...)
	}
	if len(p) > 0 {
		return nil, p
	}
	return m, nil
}

// workerProfileRules are the model validators on profiles: a default profile,
// one-level extends, and standalone profiles complete.
func workerProfileRules(profiles []Profile) problemList {
	var p problemList
	byName := map[string]*Profile{}
	for i := range profiles {
		byName[profiles[i].Name] = &profiles[i]
	}
	if byName["default"] == nil {
		p.rule("profiles", "a 'default' profile is required", "no 'default' profile under 'profiles'")
	}
	for _, prof := range profiles {
		loc := "profiles." + prof.Name
		if prof.Extends != nil {
			parent := byName[prof.Extends.(string)]
			switch {
			case parent == nil:
				p.rule(loc+".extends", fmt.Sprintf("extends unknown profile '%s'", prof.Extends),
					fmt.Sprintf("profile '%s' extends '%s', which does not exist", prof.Name, prof.Extends))
			case parent.Extends != nil:
				p.rule(loc+".extends", fmt.Sprintf("profile '%s' itself extends another profile", prof.Extends),
					fmt.Sprintf("profile '%s' extends '%s', which itself extends another profile (only one level is allowed)", prof.Name, prof.Extends))
			}
			continue
		}
		if prof.AdapterPath == nil || prof.MaxBatchTokens == nil {
			p.rule(loc, "a profile without extends needs adapter_path and max_batch_tokens",
				fmt.Sprintf("profile '%s' has no 'extends' and no %s", prof.Name, missingStandalone(prof)))
		}
	}
	return p
}

func parseWorkerInputs(p *problemList, d *doc.Map) []string {
	enabled := map[string]bool{"text": true}
	if v, ok := d.Get("inputs"); ok {
		in, ok := asMap(v)
		if !ok {
			p.typed("inputs", msgObject, v)
		} else {
			p.extraKeys("inputs", in, workerInputKeys)
			for _, k := range workerInputKeys {
				x, present := in.Get(k)
				if !present {
					continue
				}
				b, ok := workerBool(x)
				if !ok {
					p.typed("inputs."+k, msgBool, x)
				}
				enabled[k] = b
			}
		}
	}
	var out []string
	for _, k := range workerInputKeys {
		if enabled[k] {
			out = append(out, k)
		}
	}
	return out
}

func parseWorkerTasks(p *problemList, d *doc.Map, m *Model) {
	m.Dims = doc.NewMap()
	v, ok := d.Get("tasks")
	if !ok {
		p.add("tasks", "Field required")
		return
	}
	tasks, ok := asMap(v)
	if !ok {
		p.typed("tasks", msgObject, v)
		return
	}
	p.extraKeys("tasks", tasks, workerTaskKeys)
	if ev, _ := tasks.Get("encode"); ev != nil {
		enc, ok := asMap(ev)
		if !ok {
			p.typed("tasks.encode", msgObject, ev)
		} else {
			p.extraKeys("tasks.encode", enc, workerEncodeKeys)
			for _, k := range workerEncodeKeys {
				ov, _ := enc.Get(k)
				if ov == nil {
					continue
				}
				loc := "tasks.encode." + k
				out, ok := asMap(ov)
				if !ok {
					p.typed(loc, msgObject, ov)
					continue
				}
				p.extraKeys(loc, out, []string{"dim"})
				dv, present := out.Get("dim")
				dim, ok := workerInt(dv)
				switch {
				case !present:
					p.add(loc+".dim", "Field required")
				case !ok:
					p.typed(loc+".dim", msgInt, dv)
				default:
					m.Outputs = append(m.Outputs, k)
					m.Dims.Set(k, dim)
				}
			}
		}
	}
	for _, k := range []string{"score", "extract"} {
		tv, _ := tasks.Get(k)
		if tv == nil {
			continue
		}
		t, ok := asMap(tv)
		if !ok {
			p.typed("tasks."+k, msgObject, tv)
			continue
		}
		p.extraKeys("tasks."+k, t, nil)
		if k == "score" {
			m.Outputs = append(m.Outputs, "score")
		} else {
			m.Outputs = append(m.Outputs, "json")
		}
	}
}

// parseWorkerProfiles reports whether every profile got its types, which the
// profile rules need.
func parseWorkerProfiles(p *problemList, d *doc.Map, m *Model) bool {
	v, ok := d.Get("profiles")
	if !ok {
		p.add("profiles", "Field required")
		return false
	}
	profiles, ok := asMap(v)
	if !ok {
		p.typed("profiles", msgDict, v)
		return false
	}
	before := len(*p)
	for _, e := range profiles.Entries() {
		prof, ok := parseWorkerProfile(p, "profiles."+e.Key, e.Value)
		if ok {
			prof.Name = e.Key
			m.Profiles = append(m.Profiles, prof)
		}
	}
	return len(*p) == before
}

func parseWorkerProfile(p *problemList, loc string, v any) (Profile, bool) {
	var out Profile
	prof, ok := asMap(v)
	if !ok {
		p.typed(loc, msgObject, v)
		return out, false
	}
	before := len(*p)
	p.extraKeys(loc, prof, workerProfileKeys)
	out.Extends, _ = prof.Get("extends")
	if !workerOptString(out.Extends) {
		p.typed(loc+".extends", msgString, out.Extends)
	}
	out.AdapterPath, _ = prof.Get("adapter_path")
	if !workerOptString(out.AdapterPath) {
		p.typed(loc+".adapter_path", msgString, out.AdapterPath)
	}
	mbt, _ := prof.Get("max_batch_tokens")
	if out.MaxBatchTokens, ok = workerOptInt(mbt); !ok {
		p.typed(loc+".max_batch_tokens", msgInt, mbt)
	}
	out.ComputePrecision, _ = prof.Get("compute_precision")
	if !workerPrecision(out.ComputePrecision) {
		p.typed(loc+".compute_precision", msgPrecision, out.ComputePrecision)
	}
	if ov, present := prof.Get("adapter_options"); present {
		opts, ok := asMap(ov)
		if !ok {
			p.typed(loc+".adapter_options", msgObject, ov)
		} else {
			p.extraKeys(loc+".adapter_options", opts, workerOptionKeys)
			for _, k := range workerOptionKeys {
				hv, present := opts.Get(k)
				if !present {
					continue
				}
				half, ok := asMap(hv)
				if !ok {
					p.typed(loc+".adapter_options."+k, msgDict, hv)
					continue
				}
				if k == "loadtime" {
					out.Loadtime = half
				} else {
					out.Runtime = half
				}
			}
		}
	}
	if bv, _ := prof.Get("adaptive_batching"); bv != nil {
		ab, ok := asMap(bv)
		if !ok {
			p.typed(loc+".adaptive_batching", msgObject, bv)
		} else {
			p.extraKeys(loc+".adaptive_batching", ab, workerBatchingKey)
			for _, k := range workerBatchingKey {
				if fv, _ := ab.Get(k); !workerOptFloat(fv) {
					p.typed(loc+".adaptive_batching."+k, msgNumber, fv)
				}
			}
		}
	}
	return out, len(*p) == before
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}
