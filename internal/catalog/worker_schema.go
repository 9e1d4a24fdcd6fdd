package catalog

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

// WorkerSchemaProblems validates d against the strict worker schema and
// returns every problem found, or nil when a worker would accept the document
// in full form. sie-config uses it to warn about documents workers would
// degrade to a stub.
func WorkerSchemaProblems(d *doc.Map) []string {
	_, problems := ParseWorkerModel(d)
	return problems
}

// ParseWorkerModel applies the strict schema. It returns the full-form model,
// or nil and the problems.
func ParseWorkerModel(d *doc.Map) (*WorkerModel, []string) {
	var p problemList
	m := &WorkerModel{Form: WorkerFull}
	p.extraKeys("", d, workerTopKeys)

	switch v, ok := d.Get("sie_id"); {
	case !ok:
		p.add("sie_id", "Field required")
	case !isString(v):
		p.add("sie_id", "Input should be a valid string")
	default:
		m.ID = v.(string)
	}
	for _, k := range []string{"hf_id", "hf_revision", "weights_path"} {
		if v, _ := d.Get(k); !workerOptString(v) {
			p.add(k, "Input should be a valid string")
		}
	}
	m.HFID, _ = d.Get("hf_id")
	packageBacked := false
	if v, ok := d.Get("package_backed"); ok {
		b, ok := workerBool(v)
		if !ok {
			p.add("package_backed", "Input should be a valid boolean")
		}
		packageBacked = b
	}
	m.Inputs = parseWorkerInputs(&p, d)
	parseWorkerTasks(&p, d, m)
	if v, ok := d.Get("max_sequence_length"); ok {
		i, ok := workerOptInt(v)
		if !ok {
			p.add("max_sequence_length", "Input should be a valid integer")
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
			p.add("", "package_backed models must not set hf_id, weights_path or hf_revision")
		}
	} else if m.HFID == nil && weights == nil {
		p.add("", "either hf_id or weights_path must be set")
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
func workerProfileRules(profiles []WorkerProfile) []string {
	var p problemList
	byName := map[string]*WorkerProfile{}
	for i := range profiles {
		byName[profiles[i].Name] = &profiles[i]
	}
	if byName["default"] == nil {
		p.add("profiles", "a 'default' profile is required")
	}
	for _, prof := range profiles {
		loc := "profiles." + prof.Name
		if prof.Extends != nil {
			parent := byName[prof.Extends.(string)]
			switch {
			case parent == nil:
				p.add(loc+".extends", fmt.Sprintf("extends unknown profile '%s'", prof.Extends))
			case parent.Extends != nil:
				p.add(loc+".extends", fmt.Sprintf("profile '%s' itself extends another profile", prof.Extends))
			}
			continue
		}
		if prof.AdapterPath == nil || prof.MaxBatchTokens == nil {
			p.add(loc, "a profile without extends needs adapter_path and max_batch_tokens")
		}
	}
	return p
}

func parseWorkerInputs(p *problemList, d *doc.Map) []string {
	enabled := map[string]bool{"text": true}
	if v, ok := d.Get("inputs"); ok {
		in, ok := asMap(v)
		if !ok {
			p.add("inputs", "Input should be an object")
		} else {
			p.extraKeys("inputs", in, workerInputKeys)
			for _, k := range workerInputKeys {
				x, present := in.Get(k)
				if !present {
					continue
				}
				b, ok := workerBool(x)
				if !ok {
					p.add("inputs."+k, "Input should be a valid boolean")
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

func parseWorkerTasks(p *problemList, d *doc.Map, m *WorkerModel) {
	m.Dims = doc.NewMap()
	v, ok := d.Get("tasks")
	if !ok {
		p.add("tasks", "Field required")
		return
	}
	tasks, ok := asMap(v)
	if !ok {
		p.add("tasks", "Input should be an object")
		return
	}
	p.extraKeys("tasks", tasks, workerTaskKeys)
	if ev, _ := tasks.Get("encode"); ev != nil {
		enc, ok := asMap(ev)
		if !ok {
			p.add("tasks.encode", "Input should be an object")
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
					p.add(loc, "Input should be an object")
					continue
				}
				p.extraKeys(loc, out, []string{"dim"})
				dv, present := out.Get("dim")
				dim, ok := workerInt(dv)
				switch {
				case !present:
					p.add(loc+".dim", "Field required")
				case !ok:
					p.add(loc+".dim", "Input should be a valid integer")
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
			p.add("tasks."+k, "Input should be an object")
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
func parseWorkerProfiles(p *problemList, d *doc.Map, m *WorkerModel) bool {
	v, ok := d.Get("profiles")
	if !ok {
		p.add("profiles", "Field required")
		return false
	}
	profiles, ok := asMap(v)
	if !ok {
		p.add("profiles", "Input should be a valid dictionary")
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

func parseWorkerProfile(p *problemList, loc string, v any) (WorkerProfile, bool) {
	var out WorkerProfile
	prof, ok := asMap(v)
	if !ok {
		p.add(loc, "Input should be an object")
		return out, false
	}
	before := len(*p)
	p.extraKeys(loc, prof, workerProfileKeys)
	out.Extends, _ = prof.Get("extends")
	if !workerOptString(out.Extends) {
		p.add(loc+".extends", "Input should be a valid string")
	}
	out.AdapterPath, _ = prof.Get("adapter_path")
	if !workerOptString(out.AdapterPath) {
		p.add(loc+".adapter_path", "Input should be a valid string")
	}
	mbt, _ := prof.Get("max_batch_tokens")
	if out.MaxBatchTokens, ok = workerOptInt(mbt); !ok {
		p.add(loc+".max_batch_tokens", "Input should be a valid integer")
	}
	out.ComputePrecision, _ = prof.Get("compute_precision")
	if !workerPrecision(out.ComputePrecision) {
		p.add(loc+".compute_precision", "Input should be 'float16', 'bfloat16' or 'float32'")
	}
	if ov, present := prof.Get("adapter_options"); present {
		opts, ok := asMap(ov)
		if !ok {
			p.add(loc+".adapter_options", "Input should be an object")
		} else {
			p.extraKeys(loc+".adapter_options", opts, workerOptionKeys)
			for _, k := range workerOptionKeys {
				hv, present := opts.Get(k)
				if !present {
					continue
				}
				half, ok := asMap(hv)
				if !ok {
					p.add(loc+".adapter_options."+k, "Input should be a valid dictionary")
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
			p.add(loc+".adaptive_batching", "Input should be an object")
		} else {
			p.extraKeys(loc+".adaptive_batching", ab, workerBatchingKey)
			for _, k := range workerBatchingKey {
				if fv, _ := ab.Get(k); !workerOptFloat(fv) {
					p.add(loc+".adaptive_batching."+k, "Input should be a valid number")
				}
			}
		}
	}
	return out, len(*p) == before
}

// problemList collects schema problems in document order.
type problemList []string

func (p *problemList) add(loc, msg string) {
	if loc == "" {
		*p = append(*p, msg)
		return
	}
	*p = append(*p, loc+": "+msg)
}

// extraKeys reports every key of m outside allowed (extra="forbid").
func (p *problemList) extraKeys(loc string, m *doc.Map, allowed []string) {
	for _, e := range m.Entries() {
		if !containsString(allowed, e.Key) {
			k := e.Key
			if loc != "" {
				k = loc + "." + k
			}
			p.add(k, "Extra inputs are not permitted")
		}
	}
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
