// Package doc holds the ordered, typed values of a parsed model or bundle document.
//
// A value is one of: nil, bool, int64, float64, string, []any, *Map.
// Mapping keys are always strings (the YAML guard rejects other keys).
package doc

// Entry is one key/value pair of a Map, in document order.
type Entry struct {
	Key   string
	Value any
}

// Map is a mapping that keeps its keys in document order.
//
// Small maps (the usual case: a few keys per level) are searched linearly.
// Beyond indexThreshold keys a map also keeps a key → position index, so a
// hostile document with tens of thousands of keys costs O(1) per lookup and
// comparing two of them is linear, not quadratic. The index is built when
// the map is built or grows, never on a read, so maps shared by readers are
// never written.
type Map struct {
	entries []Entry
	index   map[string]int // nil below indexThreshold keys
}

// indexThreshold is the size from which a map keeps an index.
const indexThreshold = 16

// NewMap returns a map holding entries in the given order (the slice is not copied).
func NewMap(entries ...Entry) *Map {
	m := &Map{entries: entries}
	m.reindex()
	return m
}

// reindex rebuilds the index, or drops it for a small map.
func (m *Map) reindex() {
	if len(m.entries) <= indexThreshold {
		m.index = nil
		return
	}
	m.index = make(map[string]int, len(m.entries))
	for i := range m.entries {
		if _, dup := m.index[m.entries[i].Key]; !dup { // the first wins, as in the linear search
			m.index[m.entries[i].Key] = i
		}
	}
}

// find returns the position of key, or -1.
func (m *Map) find(key string) int {
	if m.index != nil {
		if i, ok := m.index[key]; ok {
			return i
		}
		return -1
	}
	for i := range m.entries {
		if m.entries[i].Key == key {
			return i
		}
	}
	return -1
}

// Len returns the number of keys.
func (m *Map) Len() int {
	if m == nil {
		return 0
	}
	return len(m.entries)
}

// Entries returns the entries in document order. Callers must not modify the slice.
func (m *Map) Entries() []Entry {
	if m == nil {
		return nil
	}
	return m.entries
}

// Keys returns the keys in document order.
func (m *Map) Keys() []string {
	keys := make([]string, 0, m.Len())
	for _, e := range m.Entries() {
		keys = append(keys, e.Key)
	}
	return keys
}

// Get returns the value for key and whether the key is present.
func (m *Map) Get(key string) (any, bool) {
	if m == nil {
		return nil, false
	}
	if i := m.find(key); i >= 0 {
		return m.entries[i].Value, true
	}
	return nil, false
}

// Has reports whether key is present.
func (m *Map) Has(key string) bool {
	_, ok := m.Get(key)
	return ok
}

// Set replaces the value of key in place, or appends the key when absent.
func (m *Map) Set(key string, v any) {
	if i := m.find(key); i >= 0 {
		m.entries[i].Value = v
		return
	}
	m.entries = append(m.entries, Entry{Key: key, Value: v})
	switch {
	case m.index != nil:
		m.index[key] = len(m.entries) - 1
	case len(m.entries) > indexThreshold:
		m.reindex()
	}
}

// Prepend inserts key as the first entry; the key must be absent.
func (m *Map) Prepend(key string, v any) {
	m.entries = append([]Entry{{Key: key, Value: v}}, m.entries...)
	m.reindex()
}

// Delete removes key if present.
func (m *Map) Delete(key string) {
	if i := m.find(key); i >= 0 {
		m.entries = append(m.entries[:i:i], m.entries[i+1:]...)
		m.reindex()
	}
}

// Clone returns a deep copy of m.
func (m *Map) Clone() *Map {
	if m == nil {
		return nil
	}
	out := &Map{entries: make([]Entry, len(m.entries))}
	for i, e := range m.entries {
		out.entries[i] = Entry{Key: e.Key, Value: Clone(e.Value)}
	}
	out.reindex()
	return out
}

// Clone deep-copies any document value.
func Clone(v any) any {
	switch t := v.(type) {
	case *Map:
		return t.Clone()
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = Clone(x)
		}
		return out
	default:
		return v
	}
}
