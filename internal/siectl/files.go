package siectl

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// modelFile is one model document to apply or validate.
type modelFile struct {
	path string
	data []byte
}

// readModelFiles reads FILE, or every *.yaml / *.yml / *.json file of DIR
// in name order.
func readModelFiles(path string) ([]modelFile, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	paths := []string{path}
	if info.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, err
		}
		paths = paths[:0]
		for _, e := range entries {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if e.Type().IsRegular() && (ext == ".yaml" || ext == ".yml" || ext == ".json") && !strings.HasPrefix(e.Name(), ".") {
				paths = append(paths, filepath.Join(path, e.Name()))
			}
		}
		sort.Strings(paths)
		if len(paths) == 0 {
			return nil, fmt.Errorf("%s: no model files (*.yaml, *.yml, *.json)", path)
		}
	}
	out := make([]modelFile, 0, len(paths))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, modelFile{path: p, data: data})
	}
	return out, nil
}
