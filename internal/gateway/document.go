package gateway

import (
	"fmt"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/doc"
)

// Document is a parsed model document as it arrives (export entry or delta),
// with the model id the sender named for it ("" when none).
type Document struct {
	ModelID string
	Doc     *doc.Map
}

// modelFromDocument accepts the document (§2.1), checks its id against a
// non-empty ModelID and derives the model against bs.
func modelFromDocument(d Document, bs *catalog.BundleSet) (*Model, error) {
	id, err := acceptDocument(d.Doc)
	if err != nil {
		return nil, err
	}
	if d.ModelID != "" && d.ModelID != id {
		return nil, fmt.Errorf("%w: document id %q differs from model_id %q", errNotAccepted, id, d.ModelID)
	}
	return newModel(id, d.Doc, bs), nil
}
