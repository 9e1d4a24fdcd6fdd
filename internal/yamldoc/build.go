package yamldoc

import (
	"math/big"

	"github.com/sieproject/sie/internal/doc"
	"gopkg.in/yaml.v3"
)

// build turns a checked and guarded node into document values. Aliases are
// expanded into fresh copies so that callers may mutate one occurrence
// without affecting another; checkDocument has bounded the total size.
func build(n *yaml.Node) any {
	switch n.Kind {
	case yaml.AliasNode:
		return build(n.Alias)
	case yaml.MappingNode:
		entries := make([]doc.Entry, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			entries = append(entries, doc.Entry{Key: deref(n.Content[i]).Value, Value: build(n.Content[i+1])})
		}
		return doc.NewMap(entries...)
	case yaml.SequenceNode:
		items := make([]any, len(n.Content))
		for i, c := range n.Content {
			items[i] = build(c)
		}
		return items
	}
	return scalarValue(n)
}

func scalarValue(n *yaml.Node) any {
	if tag, ok := explicitTag(n); ok {
		v, _ := taggedScalar(n, tag)
		return narrow(v)
	}
	if !isPlain(n) {
		return n.Value
	}
	r := resolve12(n.Value)
	switch r.kind {
	case kNull:
		return nil
	case kBool:
		return r.b
	case kInt:
		return r.i.Int64()
	case kFloat:
		return r.f
	}
	return n.Value
}

func narrow(v any) any {
	if i, ok := v.(*big.Int); ok {
		return i.Int64()
	}
	return v
}
