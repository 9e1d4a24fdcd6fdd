package canonjson

import (
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strconv"

	"github.com/sieproject/sie/internal/doc"
)

// AppendCanonical appends v as canonical JSON in dialect d: no whitespace and
// object keys sorted by code point at every level (hashes.md §1).
func AppendCanonical(dst []byte, v any, d Dialect) []byte {
	return encoder{dialect: d, sortKeys: true}.value(dst, v)
}

// Canonical returns v as canonical JSON in dialect d.
func Canonical(v any, d Dialect) []byte {
	return AppendCanonical(nil, v, d)
}

// AppendOrdered appends v as compact JSON in the orjson dialect with the keys
// of every *doc.Map in document order. This is the form of sie-config's
// response bodies and NATS payloads. Go maps have no order, so they are still
// written sorted.
func AppendOrdered(dst []byte, v any) []byte {
	return encoder{dialect: ORJSON}.value(dst, v)
}

// Ordered returns v as compact, document-ordered orjson-dialect JSON.
func Ordered(v any) []byte {
	return AppendOrdered(nil, v)
}

type encoder struct {
	dialect  Dialect
	sortKeys bool
}

func (e encoder) value(dst []byte, v any) []byte {
	switch t := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		if t {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case string:
		return AppendString(dst, t, e.dialect)
	case int64:
		return strconv.AppendInt(dst, t, 10)
	case int:
		return strconv.AppendInt(dst, int64(t), 10)
	case int32:
		return strconv.AppendInt(dst, int64(t), 10)
	case uint64:
		return strconv.AppendUint(dst, t, 10)
	case uint32:
		return strconv.AppendUint(dst, uint64(t), 10)
	case uint:
		return strconv.AppendUint(dst, uint64(t), 10)
	case *big.Int:
		if t == nil {
			return append(dst, "null"...)
		}
		return t.Append(dst, 10)
	case float64:
		return AppendFloat(dst, t, e.dialect)
	case Raw:
		return append(dst, t...)
	case *doc.Map:
		return e.docMap(dst, t)
	case []any:
		return appendList(dst, t, e.value)
	case []string:
		return appendList(dst, t, func(b []byte, s string) []byte { return AppendString(b, s, e.dialect) })
	case []int64:
		return appendList(dst, t, func(b []byte, i int64) []byte { return strconv.AppendInt(b, i, 10) })
	case []*doc.Map:
		return appendList(dst, t, e.docMap)
	case []map[string]any:
		return appendList(dst, t, e.goMap)
	case map[string]any:
		return e.goMap(dst, t)
	case map[string]string:
		return e.stringMap(dst, t)
	}
	panic(fmt.Sprintf("canonjson: unsupported value type %T", v))
}

func appendList[T any](dst []byte, items []T, each func([]byte, T) []byte) []byte {
	if items == nil {
		// A nil slice is still a list: callers build lists with append.
		return append(dst, '[', ']')
	}
	dst = append(dst, '[')
	for i, it := range items {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = each(dst, it)
	}
	return append(dst, ']')
}

func (e encoder) docMap(dst []byte, m *doc.Map) []byte {
	entries := m.Entries()
	dst = append(dst, '{')
	if !e.sortKeys {
		for i, en := range entries {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = e.member(dst, en.Key, en.Value)
		}
		return append(dst, '}')
	}
	// Sort an index, not the entries: the map may be shared. Small maps (the
	// common case) use a stack array and insertion sort, avoiding allocation.
	var small [16]int
	idx := small[:0]
	for i := range entries {
		idx = append(idx, i)
	}
	if len(idx) <= len(small) {
		for i := 1; i < len(idx); i++ {
			for j := i; j > 0 && entries[idx[j]].Key < entries[idx[j-1]].Key; j-- {
				idx[j], idx[j-1] = idx[j-1], idx[j]
			}
		}
	} else {
		slices.SortFunc(idx, func(a, b int) int {
			if entries[a].Key < entries[b].Key {
				return -1
			}
			if entries[a].Key > entries[b].Key {
				return 1
			}
			return 0
		})
	}
	for n, i := range idx {
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = e.member(dst, entries[i].Key, entries[i].Value)
	}
	return append(dst, '}')
}

func (e encoder) goMap(dst []byte, m map[string]any) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = e.member(dst, k, m[k])
	}
	return append(dst, '}')
}

func (e encoder) stringMap(dst []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, k, e.dialect)
		dst = append(dst, ':')
		dst = AppendString(dst, m[k], e.dialect)
	}
	return append(dst, '}')
}

func (e encoder) member(dst []byte, key string, v any) []byte {
	dst = AppendString(dst, key, e.dialect)
	dst = append(dst, ':')
	return e.value(dst, v)
}
