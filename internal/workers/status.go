package workers

import (
	"errors"
	"unicode/utf8"
)

// rawStatus holds what the gateway reads from one status message
// (worker-protocol.md §6.3). String fields are slices into the frame (or
// copies, for escaped text) valid until the next parse; the struct is reused
// per connection so a steady stream of frames allocates nothing.
type rawStatus struct {
	ready                          bool
	name, bundle, hash             []byte
	machineProfile, poolName       []byte
	gpuCount                       int64
	loaded                         [][]byte
	models, gpus                   int // number of entries in the lists
	modelsQueue                    int64
	gpusMemUsed, gpusMemTotal      int64
	topQueue, topMemUsed, topTotal int64
	// Extensions E3: the worker's own config epoch (absent from v0.3.1
	// frames) and the models it holds but cannot serve.
	configEpoch    int64
	hasConfigEpoch bool
	unsupported    [][]byte
	// Extensions E6: a NATS heartbeat's farewell (ignored on WebSocket).
	terminated bool
}

var errStatus = errors.New("invalid worker status message")

// parseStatus reads a status message. Unknown keys are skipped; a JSON null
// in a typed field counts as missing; a value of the wrong type makes the
// whole message invalid.
func parseStatus(s *scanner, data []byte, out *rawStatus) error {
	loaded, unsupported := out.loaded[:0], out.unsupported[:0]
	*out = rawStatus{loaded: loaded, unsupported: unsupported}
	s.reset(data)
	present, ok := s.open('{')
	if !ok || !present {
		return errStatus
	}
	for n := 0; ; n++ {
		next, ok := s.more('}', n)
		if !ok {
			return errStatus
		}
		if !next {
			break
		}
		key, ok := s.str()
		if !ok || !s.eat(':') {
			return errStatus
		}
		if !s.member(key, out) {
			return errStatus
		}
	}
	if !s.atEnd() {
		return errStatus
	}
	return nil
}

// member reads the value of one top-level key.
func (s *scanner) member(key []byte, out *rawStatus) bool {
	switch string(key) { // no allocation: the compiler switches on the bytes
	case "ready":
		return s.optBool(&out.ready)
	case "terminated":
		return s.optBool(&out.terminated)
	case "name":
		return s.optString(&out.name)
	case "bundle":
		return s.optString(&out.bundle)
	case "bundle_config_hash":
		return s.optString(&out.hash)
	case "machine_profile":
		return s.optString(&out.machineProfile)
	case "pool_name":
		return s.optString(&out.poolName)
	case "gpu_count":
		return s.optCount(&out.gpuCount)
	case "queue_depth":
		return s.optCount(&out.topQueue)
	case "memory_used_bytes":
		return s.optCount(&out.topMemUsed)
	case "memory_total_bytes":
		return s.optCount(&out.topTotal)
	case "loaded_models":
		return s.stringList(&out.loaded)
	case "unsupported_models":
		return s.stringList(&out.unsupported)
	case "config_epoch":
		if s.null() {
			out.hasConfigEpoch = false
			return true
		}
		out.hasConfigEpoch = true
		return s.optCount(&out.configEpoch)
	case "models":
		return s.modelList(out)
	case "gpus":
		return s.gpuList(out)
	}
	return s.skip(1)
}

func (s *scanner) optBool(dst *bool) bool {
	switch s.peek() {
	case 't':
		*dst = true
		return s.literal("true")
	case 'f':
		*dst = false
		return s.literal("false")
	case 'n':
		return s.literal("null")
	}
	return false
}

// optString keeps a string (escaped text is copied out of scratch, which the
// next string would overwrite). Strings must be valid UTF-8.
func (s *scanner) optString(dst *[]byte) bool {
	if s.null() {
		*dst = nil
		return true
	}
	b, ok := s.str()
	if !ok || !utf8.Valid(b) {
		return false
	}
	if s.escaped {
		b = append([]byte(nil), b...)
	}
	*dst = b
	return true
}

// optCount reads a non-negative integer that fits int64, or null (0).
func (s *scanner) optCount(dst *int64) bool {
	if s.null() {
		*dst = 0
		return true
	}
	v, isInt, fits, ok := s.number()
	if !ok || !isInt || !fits || v < 0 {
		return false
	}
	*dst = v
	return true
}

// stringList reads a list of strings (or null: empty) into dst, reusing it.
func (s *scanner) stringList(dst *[][]byte) bool {
	list := (*dst)[:0]
	defer func() { *dst = list }()
	present, ok := s.open('[')
	if !ok {
		return false
	}
	for n := 0; present; n++ {
		next, ok := s.more(']', n)
		if !ok {
			return false
		}
		if !next {
			break
		}
		b, ok := s.str()
		if !ok || !utf8.Valid(b) {
			return false
		}
		if s.escaped {
			b = append([]byte(nil), b...)
		}
		list = append(list, b)
	}
	return true
}

// modelList sums models[].queue_depth and counts the entries.
func (s *scanner) modelList(out *rawStatus) bool {
	out.models, out.modelsQueue = 0, 0
	return s.objectList(func(key []byte) (bool, bool) {
		if string(key) != "queue_depth" {
			return false, true
		}
		var q int64
		if !s.optCount(&q) {
			return true, false
		}
		out.modelsQueue += q
		return true, true
	}, &out.models)
}

// gpuList sums gpus[].memory_used_bytes / memory_total_bytes.
func (s *scanner) gpuList(out *rawStatus) bool {
	out.gpus, out.gpusMemUsed, out.gpusMemTotal = 0, 0, 0
	return s.objectList(func(key []byte) (bool, bool) {
		var dst *int64
		switch string(key) {
		case "memory_used_bytes":
			dst = &out.gpusMemUsed
		case "memory_total_bytes":
			dst = &out.gpusMemTotal
		default:
			return false, true
		}
		var v int64
		if !s.optCount(&v) {
			return true, false
		}
		*dst += v
		return true, true
	}, &out.gpus)
}

// objectList walks an array of objects (or null). For each member, field
// either consumes the value (handled=true) or leaves it to be skipped.
func (s *scanner) objectList(field func(key []byte) (handled, ok bool), count *int) bool {
	present, ok := s.open('[')
	if !ok {
		return false
	}
	for n := 0; present; n++ {
		next, ok := s.more(']', n)
		if !ok {
			return false
		}
		if !next {
			break
		}
		*count++
		obj, ok := s.open('{')
		if !ok || !obj {
			return false // an entry must be an object
		}
		for m := 0; ; m++ {
			more, ok := s.more('}', m)
			if !ok {
				return false
			}
			if !more {
				break
			}
			key, ok := s.str()
			if !ok || !s.eat(':') {
				return false
			}
			handled, ok := field(key)
			if !ok {
				return false
			}
			if !handled && !s.skip(3) {
				return false
			}
		}
	}
	return true
}
