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
// Lookups are linear: documents have few keys per level.
type Map struct {
	entries []Entry
}

// NewMap returns a map holding entries in the given order (the slice is not copied).
func NewMap(entries ...Entry) *Map { return &Map{entries: entries} }

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
	for i := range m.entries {
		if m.entries[i].Key == key {
			return m.entries[i].Value, true
		}
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
	for i := range m.entries {
		if m.entries[i].Key == key {
			m.entries[i].Value = v
			return
		}
	}
	m.entries = append(m.entries, Entry{Key: key, Value: v})
}

// Prepend inserts key as the first entry; the key must be absent.
func (m *Map) Prepend(key string, v any) {
	m.entries = append([]Entry{{Key: key, Value: v}}, m.entries...)
}

// Delete removes key if present.
func (m *Map) Delete(key string) {
	for i := range m.entries {
		if m.entries[i].Key == key {
			m.entries = append(m.entries[:i:i], m.entries[i+1:]...)
			return
		}
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
