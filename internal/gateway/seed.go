package gateway

import (
	"log/slog"

	"github.com/sieproject/sie/internal/catalog"
)

// LoadSeed reads the optional filesystem seed (sie-gateway.md §2.2) with
// sie-config's file rules but no routability check. An empty directory name
// means no such part of the seed. The seed has epoch 0 and no bundles_hash:
// the first resync replaces it whole.
func LoadSeed(bundlesDir, modelsDir string, log *slog.Logger) (*State, error) {
	var bundles []*catalog.Bundle
	var models []*Model
	var err error
	if bundlesDir != "" {
		if bundles, err = catalog.LoadBundles(bundlesDir, log); err != nil {
			return nil, err
		}
	}
	if modelsDir != "" {
		seeds, err := catalog.LoadSeeds(modelsDir, log)
		if err != nil {
			return nil, err
		}
		bs := catalog.NewBundleSet(dedupeBundles(bundles))
		for _, s := range seeds {
			models = append(models, newModel(s.ID, s.Doc, bs))
		}
	}
	st := newState(bundles, models, 0, "")
	log.Info("filesystem seed loaded", "bundles", len(st.Bundles()), "models", st.Len())
	return st, nil
}

// NewState builds a state from bundles and model documents, for tests and
// tools that seed a mirror directly. Documents that are not accepted are
// returned as errors and left out.
func NewState(bundles []*catalog.Bundle, docs []Document, epoch uint64, bundlesHash string) (*State, []error) {
	bs := catalog.NewBundleSet(dedupeBundles(bundles))
	var models []*Model
	var errs []error
	for _, d := range docs {
		m, err := modelFromDocument(d, bs)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		models = append(models, m)
	}
	return newState(bundles, models, epoch, bundlesHash), errs
}
