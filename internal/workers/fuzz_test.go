package workers

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseStatus feeds arbitrary frames to the status parser and compares
// it with a reference built on encoding/json that applies the same rules:
// any RFC 8259 object of at most maxDepth levels, unknown keys skipped, a
// null in a typed field read as missing, a wrongly typed value anywhere
// (every occurrence of a repeated key included) making the frame invalid,
// and the later of two equal keys winning. Whatever a worker (or an
// impostor) sends, both must agree on the verdict and on every field read.
func FuzzParseStatus(f *testing.F) {
	f.Add([]byte(`{"name":"w","ready":true,"bundle":"default","bundle_config_hash":"abc","loaded_models":["a"],"models":[{"name":"a","state":"loaded"}],"gpus":[{"name":"g"}]}`))
	f.Add([]byte(`{"ready":false,"models":[{"name":1}],"gpus":null}`))
	f.Add([]byte(`{"name":"\ud800","x":[[[[[[[[[]]]]]]]]]}`))
	f.Add([]byte(`{"ready":true,"bundle_config_hash":"h","config_epoch":12,"unsupported_models":["a/m","b\u002fm"]}`))
	f.Add([]byte(`{"config_epoch":null,"unsupported_models":null}`))
	f.Add([]byte(`{"name":"w","terminated":true,"ready":false,"saturated":true,"total_gpu_slots":1,"queue_depth":3}`))
	f.Add([]byte(`{"ready":true,"ready":null,"config_epoch":5,"config_epoch":null,"re\u0061dy":false}`))
	f.Add([]byte(`{"models":[{"queue_depth":3,"queue_depth":null},{"queue_depth":9223372036854775807}],"gpus":[{"memory_used_bytes":1,"memory_total_bytes":-0}]}`))
	f.Add([]byte(`{"gpu_count":1e2,"name":"\ud83d\ude00\udc00","pool_name":"` + "\xff" + `","x":"` + "\xff" + `"}`))
	f.Add([]byte(`{"x":` + strings.Repeat("[", 127) + strings.Repeat("]", 127) + `}`))
	f.Add([]byte(`{"x":` + strings.Repeat("[", 128) + strings.Repeat("]", 128) + `}`))
	f.Add([]byte(`{"x":` + strings.Repeat("[", 129) + strings.Repeat("]", 129) + `}`))
	f.Add([]byte(`{"models":[{"x":` + strings.Repeat(`{"k":`, 125) + `1` + strings.Repeat("}", 125) + `}]}`))
	f.Add([]byte(`{"models":[{"x":` + strings.Repeat(`{"k":`, 126) + `1` + strings.Repeat("}", 126) + `}]}`))
	f.Add([]byte(`[1,2,3]`))
	f.Add([]byte("\x00\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s scanner
		var out rawStatus
		err := parseStatus(&s, data, &out)
		want, ok := referenceStatus(data)
		if (err == nil) != ok {
			t.Fatalf("scanner valid=%v, encoding/json reference valid=%v for %q", err == nil, ok, data)
		}
		if ok {
			if got := readStatus(&out); !reflect.DeepEqual(got, want) {
				t.Fatalf("for %q:\n scanner   %+v\n reference %+v", data, got, want)
			}
		}
	})
}

// The reference agrees with the scanner on the nesting bound itself.
func TestStatusDepthBound(t *testing.T) {
	for n, valid := range map[int]bool{128: true, 129: false} {
		frame := []byte(`{"x":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`)
		var s scanner
		var out rawStatus
		if err := parseStatus(&s, frame, &out); (err == nil) != valid {
			t.Errorf("%d levels: scanner valid=%v", n, err == nil)
		}
		if _, ok := referenceStatus(frame); ok != valid {
			t.Errorf("%d levels: reference valid=%v", n, ok)
		}
	}
}

// statusRead is what parseStatus reads, in comparable form (nil: absent).
type statusRead struct {
	Ready, Terminated                      bool
	Name, Bundle, Hash, Machine, Pool      *string
	GPUCount, TopQueue, TopUsed, TopTotal  int64
	Loaded, Unsupported                    []string
	ConfigEpoch                            int64
	HasConfigEpoch                         bool
	Models, GPUs                           int
	ModelsQueue, GPUsMemUsed, GPUsMemTotal int64
}

func readStatus(r *rawStatus) statusRead {
	str := func(b []byte) *string {
		if b == nil {
			return nil
		}
		s := string(b)
		return &s
	}
	list := func(l [][]byte) []string {
		out := []string{}
		for _, b := range l {
			out = append(out, string(b))
		}
		return out
	}
	return statusRead{Ready: r.ready, Terminated: r.terminated, Name: str(r.name), Bundle: str(r.bundle), Hash: str(r.hash),
		Machine: str(r.machineProfile), Pool: str(r.poolName), GPUCount: r.gpuCount, TopQueue: r.topQueue,
		TopUsed: r.topMemUsed, TopTotal: r.topTotal, Loaded: list(r.loaded), Unsupported: list(r.unsupported),
		ConfigEpoch: r.configEpoch, HasConfigEpoch: r.hasConfigEpoch, Models: r.models, GPUs: r.gpus,
		ModelsQueue: r.modelsQueue, GPUsMemUsed: r.gpusMemUsed, GPUsMemTotal: r.gpusMemTotal}
}

// referenceStatus reads a frame with encoding/json under the rules above.
func referenceStatus(data []byte) (statusRead, bool) {
	out := statusRead{Loaded: []string{}, Unsupported: []string{}}
	if !json.Valid(data) || deeperThan(data, maxDepth) {
		return out, false
	}
	members, ok := objectMembers(data)
	if !ok {
		return out, false
	}
	for _, m := range members {
		if !applyMember(m.key, m.value, &out) {
			return out, false
		}
	}
	return out, true
}

type member struct {
	key   string
	value json.RawMessage
}

// objectMembers lists an object's members in order, repeated keys kept.
func objectMembers(raw []byte) ([]member, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		out = append(out, member{tok.(string), v})
	}
	return out, true
}

// deeperThan reports whether a value sits inside more than limit
// containers.
func deeperThan(data []byte, limit int) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	depth, inObject, expectKey := 0, []bool{}, false
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if len(inObject) > 0 && inObject[len(inObject)-1] && expectKey {
			if d, ok := tok.(json.Delim); !ok || d != '}' {
				expectKey = false // a key, not a value
				continue
			}
		}
		switch tok {
		case json.Delim('}'), json.Delim(']'):
			depth--
			inObject = inObject[:len(inObject)-1]
		default:
			if depth > limit {
				return true
			}
			if d, ok := tok.(json.Delim); ok {
				depth++
				inObject = append(inObject, d == '{')
			}
		}
		expectKey = len(inObject) > 0 && inObject[len(inObject)-1]
	}
}

func applyMember(key string, v json.RawMessage, out *statusRead) bool {
	switch key {
	case "ready":
		return refBool(v, &out.Ready)
	case "terminated":
		return refBool(v, &out.Terminated)
	case "name":
		return refString(v, &out.Name)
	case "bundle":
		return refString(v, &out.Bundle)
	case "bundle_config_hash":
		return refString(v, &out.Hash)
	case "machine_profile":
		return refString(v, &out.Machine)
	case "pool_name":
		return refString(v, &out.Pool)
	case "gpu_count":
		return refCount(v, &out.GPUCount)
	case "queue_depth":
		return refCount(v, &out.TopQueue)
	case "memory_used_bytes":
		return refCount(v, &out.TopUsed)
	case "memory_total_bytes":
		return refCount(v, &out.TopTotal)
	case "loaded_models":
		return refStrings(v, &out.Loaded)
	case "unsupported_models":
		return refStrings(v, &out.Unsupported)
	case "config_epoch":
		if string(v) == "null" {
			out.HasConfigEpoch = false
			return true
		}
		out.HasConfigEpoch = true
		return refCount(v, &out.ConfigEpoch)
	case "models":
		return refObjects(v, &out.Models, map[string]*int64{"queue_depth": &out.ModelsQueue}, &out.ModelsQueue)
	case "gpus":
		return refObjects(v, &out.GPUs, map[string]*int64{"memory_used_bytes": &out.GPUsMemUsed, "memory_total_bytes": &out.GPUsMemTotal}, &out.GPUsMemUsed, &out.GPUsMemTotal)
	}
	return true
}

// refString: null is absent; a string must be valid UTF-8 as sent.
func refString(v json.RawMessage, dst **string) bool {
	if string(v) == "null" {
		*dst = nil
		return true
	}
	if v[0] != '"' || !utf8.Valid(v) {
		return false
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return false
	}
	*dst = &s
	return true
}

// refCount: null is 0; else a non-negative integer (no fraction or
// exponent) that fits int64.
func refCount(v json.RawMessage, dst *int64) bool {
	if string(v) == "null" {
		*dst = 0
		return true
	}
	if bytes.ContainsAny(v, ".eE\"") {
		return false
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil || n < 0 {
		return false
	}
	*dst = n
	return true
}

func refStrings(v json.RawMessage, dst *[]string) bool {
	*dst = []string{}
	if string(v) == "null" {
		return true
	}
	var items []json.RawMessage
	if v[0] != '[' || json.Unmarshal(v, &items) != nil {
		return false
	}
	for _, it := range items {
		var s *string
		if string(it) == "null" || !refString(it, &s) {
			return false
		}
		*dst = append(*dst, *s)
	}
	return true
}

// refObjects counts a list of objects and sums the named counts of every
// entry (each occurrence of a repeated key).
func refObjects(v json.RawMessage, count *int, sums map[string]*int64, reset ...*int64) bool {
	*count = 0
	for _, r := range reset {
		*r = 0
	}
	if string(v) == "null" {
		return true
	}
	var items []json.RawMessage
	if v[0] != '[' || json.Unmarshal(v, &items) != nil {
		return false
	}
	for _, it := range items {
		*count++
		members, ok := objectMembers(it)
		if !ok {
			return false
		}
		for _, m := range members {
			if dst := sums[m.key]; dst != nil {
				var n int64
				if !refCount(m.value, &n) {
					return false
				}
				*dst += n
			}
		}
	}
	return true
}

// refBool: true or false; null leaves the value as it was.
func refBool(v json.RawMessage, dst *bool) bool {
	switch string(v) {
	case "true":
		*dst = true
	case "false":
		*dst = false
	case "null":
	default:
		return false
	}
	return true
}
