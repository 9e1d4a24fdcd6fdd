package yamldoc

import (
	"math"
	"strconv"

	"gopkg.in/yaml.v3"
)

const (
	tagStr   = "!!str"
	tagInt   = "!!int"
	tagFloat = "!!float"
	tagBool  = "!!bool"
	tagNull  = "!!null"
	tagMap   = "!!map"
	tagSeq   = "!!seq"
)

// explicitTag returns the node's tag when it was written in the document;
// yaml.v3 fills Tag from its own resolver otherwise, which we never trust.
func explicitTag(n *yaml.Node) (string, bool) {
	if n.Style&yaml.TaggedStyle == 0 {
		return "", false
	}
	return n.Tag, true
}

// isPlain reports an unquoted, untagged scalar: the only kind the guard and
// the implicit resolvers apply to.
func isPlain(n *yaml.Node) bool {
	const notPlain = yaml.TaggedStyle | yaml.DoubleQuotedStyle | yaml.SingleQuotedStyle |
		yaml.LiteralStyle | yaml.FoldedStyle
	return n.Kind == yaml.ScalarNode && n.Style&notPlain == 0
}

// checkTag rejects tags outside the core set and tags that do not fit the
// node, so that later passes can assume every explicit tag is usable.
func checkTag(n *yaml.Node) error {
	tag, ok := explicitTag(n)
	if !ok {
		return nil
	}
	want := tagMap
	switch n.Kind {
	case yaml.ScalarNode:
		switch tag {
		case tagStr, tagInt, tagFloat, tagBool, tagNull:
			_, err := taggedScalar(n, tag)
			return err
		}
		if tag == tagMap || tag == tagSeq {
			return invalidf("tag %s on a scalar at line %d, column %d", tag, n.Line, n.Column)
		}
		return invalidf("unsupported tag %s at line %d, column %d", tag, n.Line, n.Column)
	case yaml.SequenceNode:
		want = tagSeq
	}
	if tag != want {
		return invalidf("unsupported tag %s on a collection at line %d, column %d", tag, n.Line, n.Column)
	}
	return nil
}

// taggedScalar reads a scalar by its explicit core tag. Integers are returned
// as *big.Int so the guard can report the int64 range separately. Text that
// PyYAML would construct to a different value is refused: a tag is meant to
// remove doubt, not add a new one.
func taggedScalar(n *yaml.Node, tag string) (any, error) {
	text := n.Value
	switch tag {
	case tagStr:
		return text, nil
	case tagNull:
		if r := resolve12(text); r.kind == kNull {
			return nil, nil
		}
	case tagBool:
		if r := resolve12(text); r.kind == kBool {
			return r.b, nil
		}
	case tagInt:
		if i, ok := int12(text); ok {
			if r := int11(text); r.kind == kInt && r.i.Cmp(i) == 0 {
				return i, nil
			}
		}
	case tagFloat:
		if f, ok := taggedFloat(text); ok {
			return f, nil
		}
	}
	return nil, invalidf("cannot read %s as %s at line %d, column %d", strconv.Quote(text), tag, n.Line, n.Column)
}

func taggedFloat(text string) (float64, bool) {
	f, ok := float12(text)
	if !ok {
		if !core12Int10.MatchString(text) {
			return 0, false
		}
		f, _ = strconv.ParseFloat(text, 64)
	}
	r := float11(text)
	if r.kind != kFloat || !(r.f == f || math.IsNaN(r.f) && math.IsNaN(f)) {
		return 0, false
	}
	return f, true
}
