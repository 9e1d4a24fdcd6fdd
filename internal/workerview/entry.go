package workerview

import (
	"sort"

	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/listhash"
)

// Entry returns the python-ascii canonical text of one model's element
// of the worker-side bundle_config_hash list (hashes.md §4.2):
// {"profiles":[{"config":{…4 keys…},"name":…},…],"sie_id":…}, every profile
// in code-point order of its name. Join entries with HashEntries.
func Entry(m *Model) []byte {
	const d = canonjson.PythonASCII
	order := make([]int, len(m.Profiles))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return m.Profiles[order[a]].Name < m.Profiles[order[b]].Name })

	out := make([]byte, 0, 64+192*len(order))
	out = append(out, `{"profiles":[`...)
	for n, i := range order {
		p := &m.Profiles[i]
		if n > 0 {
			out = append(out, ',')
		}
		// Keys are written pre-sorted: adapter_options, adapter_path,
		// compute_precision, max_batch_tokens / config, name.
		out = append(out, `{"config":{"adapter_options":`...)
		out = appendWorkerOptions(out, p)
		out = append(out, `,"adapter_path":`...)
		out = canonjson.AppendCanonical(out, p.AdapterPath, d)
		out = append(out, `,"compute_precision":`...)
		out = canonjson.AppendCanonical(out, p.ComputePrecision, d)
		out = append(out, `,"max_batch_tokens":`...)
		out = canonjson.AppendCanonical(out, p.MaxBatchTokens, d)
		out = append(out, `},"name":`...)
		out = canonjson.AppendString(out, p.Name, d)
		out = append(out, '}')
	}
	out = append(out, `],"sie_id":`...)
	out = canonjson.AppendString(out, m.ID, d)
	return append(out, '}')
}

// appendWorkerOptions writes adapter_options as the worker model dumps it:
// null when both halves are empty, else always both keys. NaN and ±Inf
// inside become null, which the encoder does for every float.
func appendWorkerOptions(out []byte, p *Profile) []byte {
	if p.Loadtime.Len() == 0 && p.Runtime.Len() == 0 {
		return append(out, "null"...)
	}
	out = append(out, `{"loadtime":`...)
	out = appendMapOrEmpty(out, p.Loadtime)
	out = append(out, `,"runtime":`...)
	out = appendMapOrEmpty(out, p.Runtime)
	return append(out, '}')
}

func appendMapOrEmpty(out []byte, m *doc.Map) []byte {
	if m.Len() == 0 {
		return append(out, '{', '}')
	}
	return canonjson.AppendCanonical(out, m, canonjson.PythonASCII)
}

// BundleHash is the worker-side bundle_config_hash over a set of held
// models (hashes.md §4.2): entries in code-point order of id, "" for none.
// Callers that recompute often keep a listhash.Set instead.
func BundleHash(models []*Model) string {
	entries := make(map[string][]byte, len(models))
	for _, m := range models {
		entries[m.ID] = Entry(m)
	}
	return listhash.NewSetFrom(entries).Hash()
}
