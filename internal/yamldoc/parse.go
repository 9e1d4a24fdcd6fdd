package yamldoc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/sieproject/sie/internal/doc"
	"gopkg.in/yaml.v3"
)

// Parse reads one YAML document whose top level is a mapping. Errors are
// *ParseError (400) or *GuardError (422); ErrEmpty for a document with no
// content.
func Parse(data []byte) (*doc.Map, error) {
	if !utf8.Valid(data) {
		return nil, invalidf("body is not valid UTF-8")
	}
	if len(bytes.TrimSpace(bytes.TrimPrefix(data, bom))) == 0 {
		// Checked first because yaml.v3 rejects some whitespace-only text
		// (a tab at the start of a line) that is plainly an empty body.
		return nil, ErrEmpty
	}
	root, data, err := decodeJoined(data)
	if err != nil {
		return nil, err
	}
	if root == nil || isBareEmpty(root) {
		return nil, ErrEmpty
	}
	if root.Kind != yaml.MappingNode {
		return nil, &ParseError{Message: msgNotMapping}
	}
	if err := checkDocument(data, root); err != nil {
		return nil, err
	}
	if err := guardNode(root); err != nil {
		return nil, err
	}
	return build(root).(*doc.Map), nil
}

// decodeJoined decodes data with its JSON surrogate pairs joined (see
// joinSurrogates), or as written when the join would change literal text.
// It also returns the text the node positions refer to.
func decodeJoined(data []byte) (*yaml.Node, []byte, error) {
	joined, forms := joinSurrogates(data)
	if forms != nil {
		if root, err := decodeSingle(joined); err == nil && !rewroteLiteral(root, forms) {
			return root, joined, nil
		}
	}
	root, err := decodeSingle(data)
	return root, data, err
}

// decodeSingle returns the root node of the only document, or nil when the
// stream holds none.
func decodeSingle(data []byte) (root *yaml.Node, err error) {
	// yaml.v3 reports most errors by panicking internally and converting the
	// panic; anything it lets escape is still just a document we reject.
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, invalidf("%s", strings.TrimPrefix(fmt.Sprint(r), "yaml: "))
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var first yaml.Node
	if err := dec.Decode(&first); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, yamlErr(err)
	}
	var second yaml.Node
	switch err := dec.Decode(&second); {
	case err == nil:
		return nil, invalidf("expected a single document, found more than one")
	case !errors.Is(err, io.EOF):
		return nil, yamlErr(err)
	}
	if first.Kind != yaml.DocumentNode || len(first.Content) != 1 {
		return nil, nil
	}
	return first.Content[0], nil
}

func yamlErr(err error) *ParseError {
	return invalidf("%s", strings.TrimPrefix(err.Error(), "yaml: "))
}

// isBareEmpty is a document that is only "---": PyYAML loads it as None, the
// same as an empty stream, so loaders treat both alike.
func isBareEmpty(n *yaml.Node) bool {
	return isPlain(n) && n.Value == ""
}
