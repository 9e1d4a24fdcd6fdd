package yamldoc

import "gopkg.in/yaml.v3"

// guardNode is the §6.2 plain-scalar guard. It runs after checkDocument, so
// tags are valid and aliases resolve. Alias values are skipped: an anchor
// always precedes its aliases, so its content was already judged in order.
func guardNode(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		return guardScalar(n, false, n.Line, n.Column)
	case yaml.SequenceNode:
		for _, item := range n.Content {
			if err := guardNode(item); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			// An alias key is judged as a key at the alias's own position:
			// the anchored scalar may have been a perfectly good value.
			if err := guardScalar(deref(k), true, k.Line, k.Column); err != nil {
				return err
			}
			if err := guardNode(n.Content[i+1]); err != nil {
				return err
			}
		}
	}
	return nil
}

func guardScalar(n *yaml.Node, isKey bool, line, col int) error {
	text := n.Value
	if tag, ok := explicitTag(n); ok {
		if isKey && tag != tagStr {
			return nonStringKeyErr(text, line, col)
		}
		if tag == tagInt {
			if i, _ := int12(text); !i.IsInt64() {
				return intRangeErr(text, line, col)
			}
		}
		return nil
	}
	if !isPlain(n) {
		return nil
	}
	if ambiguous(text) {
		return ambiguousErr(text, line, col)
	}
	r := resolve12(text)
	if isKey && r.kind != kStr {
		return nonStringKeyErr(text, line, col)
	}
	if r.kind == kInt && !r.i.IsInt64() {
		return intRangeErr(text, line, col)
	}
	return nil
}
