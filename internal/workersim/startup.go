package workersim

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/yamldoc"
)

// ReadModelsDir reads a worker's models directory: every *.yaml file
// directly in dir, in code-point order of name, parsed with the guarded YAML
// dialect. Symlinks are followed (Kubernetes ConfigMap mounts are symlinks),
// as Python's globbing does. A file that cannot be read or parsed to a
// mapping is an error naming the file: a worker aborts its startup on it.
func ReadModelsDir(dir string) ([]ModelFile, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read models directory: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		info, err := os.Stat(filepath.Join(dir, e.Name()))
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		names = append(names, e.Name())
	}
	sort.Strings(names)
	files := make([]ModelFile, 0, len(names))
	for _, name := range names {
		d, err := readYAML(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		files = append(files, ModelFile{Name: name, Doc: d})
	}
	return files, nil
}

// ReadBundleAdapters reads bundles/<bundle>.yaml the way a worker does:
// the file stem is the identity (the name key is ignored) and only adapters
// is used.
func ReadBundleAdapters(bundlesDir, bundle string) ([]string, error) {
	path := filepath.Join(bundlesDir, bundle+".yaml")
	d, err := readYAML(path)
	if errors.Is(err, yamldoc.ErrEmpty) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v, ok := d.Get("adapters")
	if !ok || v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("bundle file %s: adapters must be a list of strings", path)
	}
	out := make([]string, 0, len(list))
	for _, a := range list {
		s, ok := a.(string)
		if !ok {
			return nil, fmt.Errorf("bundle file %s: adapters must be a list of strings", path)
		}
		out = append(out, s)
	}
	return out, nil
}

func readYAML(path string) (*doc.Map, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	d, err := yamldoc.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}
