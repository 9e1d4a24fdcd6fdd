// Package samplecatalog is the project's built-in sample catalog: a few
// bundles and a handful of real-world model documents, written for this
// project in the same format as the upstream SIE catalog.
//
// It is what `siectl dev` runs when no --catalog is given, and what the
// sie-config image bakes at /app/bundles and /app/models. Every model
// document passes the YAML guard (plain scalars read alike under YAML 1.1 and
// 1.2) and the worker strict schema, so simulated workers hold each model in
// full form rather than as a stub.
//
// Layout of FS:
//
//	bundles/<bundle>.yaml              name, priority, adapters (module paths)
//	models/<sie_id, "/" → "__">.yaml   one model document per file
//
// The catalog is deliberately small but covers the interesting shapes:
// BAAI/bge-m3 is routable through two bundles (default and sglang), some
// models have extends-profiles (variants), and each bundle serves at least
// one model.
package samplecatalog

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// FS holds bundles/*.yaml and models/*.yaml.
//
//go:embed bundles/*.yaml models/*.yaml
var FS embed.FS

// Dirs are the catalog's two directories inside FS, in the order WriteTo
// materialises them.
var Dirs = []string{"bundles", "models"}

// WriteTo materialises the catalog under dir as dir/bundles/*.yaml and
// dir/models/*.yaml, for binaries that read directories
// (SIE_BUNDLES_DIR / SIE_MODELS_DIR). dir and the two sub-directories are
// created when missing; existing files of the same name are overwritten and
// other files are left alone.
func WriteTo(dir string) error {
	for _, sub := range Dirs {
		target := filepath.Join(dir, sub)
		if err := os.MkdirAll(target, 0o755); err != nil {
			return fmt.Errorf("samplecatalog: %w", err)
		}
		entries, err := fs.ReadDir(FS, sub)
		if err != nil {
			return fmt.Errorf("samplecatalog: %w", err)
		}
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			data, err := FS.ReadFile(path.Join(sub, e.Name()))
			if err != nil {
				return fmt.Errorf("samplecatalog: %w", err)
			}
			if err := os.WriteFile(filepath.Join(target, e.Name()), data, 0o644); err != nil {
				return fmt.Errorf("samplecatalog: %w", err)
			}
		}
	}
	return nil
}
