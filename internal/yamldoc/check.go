package yamldoc

import (
	"bytes"

	"gopkg.in/yaml.v3"
)

const (
	maxAliasNodes = 10000
	// maxAliasBytes bounds the scalar text reached through aliases: the node
	// cap alone lets a few thousand aliases of one long scalar turn a small
	// body into a document of gigabytes. It equals the 1 MiB body limit.
	maxAliasBytes = 1 << 20
	maxDepth      = 100
)

// checker is the structural pass: everything that makes a document invalid
// YAML in this dialect (400) is found before the guard (422) runs. It walks
// aliases as if expanded, counting, so a billion-laughs document stops after
// maxAliasNodes nodes without anything being built.
type checker struct {
	marks        *marks // nil when the text has no '!' at all
	aliased      int
	aliasedBytes int
}

func checkDocument(data []byte, root *yaml.Node) error {
	c := &checker{}
	if bytes.IndexByte(data, '!') >= 0 {
		c.marks = newMarks(data)
	}
	return c.walk(root, 0, false)
}

// walk visits n at collection depth depth. Within an alias expansion the
// node was already checked where it was defined, so only the limits apply.
func (c *checker) walk(n *yaml.Node, depth int, viaAlias bool) error {
	if viaAlias {
		c.aliased++
		if c.aliased > maxAliasNodes {
			return invalidf("aliases expand to more than %d nodes", maxAliasNodes)
		}
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return invalidf("unknown anchor '%s' at line %d, column %d", n.Value, n.Line, n.Column)
		}
		return c.walk(n.Alias, depth, true)
	case yaml.ScalarNode:
		if viaAlias {
			c.aliasedBytes += len(n.Value)
			if c.aliasedBytes > maxAliasBytes {
				return invalidf("aliases expand to more than %d bytes of text", maxAliasBytes)
			}
			return nil
		}
		if c.marks != nil && c.marks.hasNonSpecificTag(n) {
			return invalidf("unsupported tag ! at line %d, column %d", n.Line, n.Column)
		}
		return checkTag(n)
	case yaml.MappingNode, yaml.SequenceNode:
		if depth+1 > maxDepth {
			return invalidf("nesting deeper than %d levels at line %d, column %d", maxDepth, n.Line, n.Column)
		}
		if !viaAlias {
			if err := checkTag(n); err != nil {
				return err
			}
		}
		if n.Kind == yaml.MappingNode {
			return c.mapping(n, depth+1, viaAlias)
		}
		for _, item := range n.Content {
			if err := c.walk(item, depth+1, viaAlias); err != nil {
				return err
			}
		}
		return nil
	}
	return invalidf("unexpected node at line %d, column %d", n.Line, n.Column)
}

func (c *checker) mapping(n *yaml.Node, depth int, viaAlias bool) error {
	var seen map[string]bool
	if !viaAlias {
		seen = make(map[string]bool, len(n.Content)/2)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if err := c.walk(k, depth, viaAlias); err != nil {
			return err
		}
		target := deref(k)
		if target.Kind != yaml.ScalarNode {
			return invalidf("mapping key at line %d, column %d is not a scalar", k.Line, k.Column)
		}
		if seen != nil {
			id := keyIdentity(target)
			if seen[id] {
				return invalidf("duplicate mapping key '%s' at line %d, column %d", target.Value, k.Line, k.Column)
			}
			seen[id] = true
		}
		if err := c.walk(v, depth, viaAlias); err != nil {
			return err
		}
	}
	return nil
}

func deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// keyIdentity makes keys that read as the same string collide. Keys that are
// not strings get the guard's 422 later; here they only need to differ from
// strings, so their text is enough.
func keyIdentity(n *yaml.Node) string {
	if tag, ok := explicitTag(n); ok {
		if tag == tagStr {
			return "s" + n.Value
		}
		return "t" + tag + "\x00" + n.Value
	}
	if isPlain(n) {
		if r := resolve12(n.Value); r.kind != kStr {
			return "t" + r.kind.String() + "\x00" + n.Value
		}
	}
	return "s" + n.Value
}
