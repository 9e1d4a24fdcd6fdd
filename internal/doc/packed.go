package doc

import (
	"encoding/binary"
	"math"
)

// Packed is a document value held in a compact, immutable byte form: about
// the size of its text, against several times that for the tree of a small
// document. A registry that keeps many documents keeps them packed and
// rebuilds the tree (Value, Map) where it needs one; the round trip is
// exact (int64 and float64 bits, key order, duplicate keys).
type Packed string

// The tag byte that starts each packed value.
const (
	tagNil byte = iota
	tagFalse
	tagTrue
	tagInt
	tagFloat
	tagString
	tagList
	tagMap
)

// Pack packs v; ok is false when v holds a value that is not a document
// value (see the package comment), which a caller then keeps as a tree.
func Pack(v any) (p Packed, ok bool) {
	out, ok := appendPacked(make([]byte, 0, 128), v)
	if !ok {
		return "", false
	}
	return Packed(out), true
}

func appendPacked(out []byte, v any) ([]byte, bool) {
	switch t := v.(type) {
	case nil:
		return append(out, tagNil), true
	case bool:
		if t {
			return append(out, tagTrue), true
		}
		return append(out, tagFalse), true
	case int64:
		return binary.AppendVarint(append(out, tagInt), t), true
	case float64:
		return binary.LittleEndian.AppendUint64(append(out, tagFloat), math.Float64bits(t)), true
	case string:
		return appendPackedString(append(out, tagString), t), true
	case []any:
		out = binary.AppendUvarint(append(out, tagList), uint64(len(t)))
		for _, x := range t {
			var ok bool
			if out, ok = appendPacked(out, x); !ok {
				return nil, false
			}
		}
		return out, true
	case *Map:
		if t == nil {
			return nil, false
		}
		out = binary.AppendUvarint(append(out, tagMap), uint64(len(t.entries)))
		for _, e := range t.entries {
			out = appendPackedString(out, e.Key)
			var ok bool
			if out, ok = appendPacked(out, e.Value); !ok {
				return nil, false
			}
		}
		return out, true
	}
	return nil, false
}

func appendPackedString(out []byte, s string) []byte {
	return append(binary.AppendUvarint(out, uint64(len(s))), s...)
}

// Value rebuilds the packed value. Its strings share the packed bytes.
func (p Packed) Value() any {
	v, _ := p.value(0)
	return v
}

// Map rebuilds a packed mapping (nil when p is empty or not a mapping).
func (p Packed) Map() *Map {
	m, _ := p.Value().(*Map)
	return m
}

// value decodes the value at i and returns the position after it. p is
// only ever built by Pack, so it is well formed.
func (p Packed) value(i int) (any, int) {
	if i >= len(p) {
		return nil, i
	}
	tag := p[i]
	i++
	switch tag {
	case tagFalse:
		return false, i
	case tagTrue:
		return true, i
	case tagInt:
		u, i := p.uvarint64(i)
		n := int64(u >> 1) // zig-zag, as binary.AppendVarint writes it
		if u&1 != 0 {
			n = ^n
		}
		return n, i
	case tagFloat:
		var bits uint64
		for k := 7; k >= 0; k-- {
			bits = bits<<8 | uint64(p[i+k])
		}
		return math.Float64frombits(bits), i + 8
	case tagString:
		return p.str(i)
	case tagList:
		n, i := p.uvarint(i)
		out := make([]any, n)
		for k := range out {
			out[k], i = p.value(i)
		}
		return out, i
	case tagMap:
		n, i := p.uvarint(i)
		entries := make([]Entry, n)
		for k := range entries {
			entries[k].Key, i = p.str(i)
			entries[k].Value, i = p.value(i)
		}
		return NewMap(entries...), i
	}
	return nil, i
}

func (p Packed) uvarint(i int) (int, int) {
	n, i := p.uvarint64(i)
	return int(n), i
}

// uvarint64 reads what binary.AppendUvarint wrote.
func (p Packed) uvarint64(i int) (uint64, int) {
	var n uint64
	for shift := 0; ; shift += 7 {
		b := p[i]
		i++
		n |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return n, i
		}
	}
}

func (p Packed) str(i int) (string, int) {
	n, i := p.uvarint(i)
	return string(p[i : i+n]), i + n
}
