package catalog

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/yamldoc"
)

// yamlFiles lists the regular *.yaml files directly in dir, in code-point
// order. A missing directory yields no files and no error; a directory that
// exists but cannot be listed is an error (the registry is then absent).
func yamlFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errMissingDir
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names, nil
}

var errMissingDir = errors.New("directory does not exist")

// LoadBundles reads every bundle file of dir (sie-config.md §5.1). Malformed
// files are logged and skipped; the error is non-nil only when dir exists
// but cannot be listed.
func LoadBundles(dir string, log *slog.Logger) ([]*Bundle, error) {
	names, err := yamlFiles(dir)
	if errors.Is(err, errMissingDir) {
		log.Warn("bundles directory does not exist", "dir", dir)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list bundles directory %s: %w", dir, err)
	}
	byName := map[string]int{}
	var out []*Bundle
	for _, name := range names {
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			log.Error("skipping unreadable bundle file", "file", path, "err", err)
			continue
		}
		b, err := ParseBundle(strings.TrimSuffix(name, ".yaml"), data)
		if err != nil {
			log.Error("skipping invalid bundle file", "file", path, "err", err)
			continue
		}
		if i, dup := byName[b.Name]; dup {
			log.Warn("duplicate bundle name; the later file wins", "bundle", b.Name, "file", path)
			out[i] = b
			continue
		}
		byName[b.Name] = len(out)
		out = append(out, b)
	}
	SortBundles(out)
	return out, nil
}

// ParseBundle decodes one bundle file; stem names a bundle without `name`.
func ParseBundle(stem string, data []byte) (*Bundle, error) {
	m, err := yamldoc.Parse(data)
	if errors.Is(err, yamldoc.ErrEmpty) {
		m, err = doc.NewMap(), nil
	}
	if err != nil {
		return nil, err
	}
	b := &Bundle{Name: stem, Priority: 100, Adapters: []string{}}
	if v, ok := m.Get("name"); ok {
		if s, ok := v.(string); ok && s != "" {
			b.Name = s
		}
	}
	if v, ok := m.Get("priority"); ok {
		p, ok := v.(int64)
		if !ok {
			return nil, fmt.Errorf("priority must be an integer")
		}
		b.Priority = p
	}
	if v, ok := m.Get("adapters"); ok {
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("adapters must be a list of strings")
		}
		for _, item := range list {
			s, ok := item.(string)
			if !ok {
				return nil, fmt.Errorf("adapters must be a list of strings")
			}
			b.Adapters = append(b.Adapters, s)
		}
	}
	return b, nil
}

// SortBundles puts bundles in bundle order: priority, then name.
func SortBundles(bs []*Bundle) {
	sort.SliceStable(bs, func(i, j int) bool {
		if bs[i].Priority != bs[j].Priority {
			return bs[i].Priority < bs[j].Priority
		}
		return bs[i].Name < bs[j].Name
	})
}

// Seed is a baked-in model document with its raw file text.
type Seed struct {
	ID   string
	Doc  *doc.Map
	Text string
}

// LoadSeeds reads every model file of dir (sie-config.md §5.2). Malformed
// files are logged and skipped; the error is non-nil only when dir exists but
// cannot be listed. Later files win on duplicate ids.
func LoadSeeds(dir string, log *slog.Logger) ([]Seed, error) {
	names, err := yamlFiles(dir)
	if errors.Is(err, errMissingDir) {
		log.Warn("models directory does not exist", "dir", dir)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list models directory %s: %w", dir, err)
	}
	byID := map[string]int{}
	var out []Seed
	for _, name := range names {
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			log.Error("skipping unreadable model file", "file", path, "err", err)
			continue
		}
		seed, ok, err := ParseSeed(data)
		if err != nil {
			log.Error("skipping invalid model file", "file", path, "err", err)
			continue
		}
		if !ok {
			continue
		}
		if i, dup := byID[seed.ID]; dup {
			log.Warn("duplicate model id; the later file wins", "model", seed.ID, "file", path)
			out[i] = seed
			continue
		}
		byID[seed.ID] = len(out)
		out = append(out, seed)
	}
	return out, nil
}

// ParseSeed decodes one seed model file. ok is false for a document with
// neither sie_id nor name, which is ignored silently.
func ParseSeed(data []byte) (seed Seed, ok bool, err error) {
	m, err := yamldoc.Parse(data)
	if errors.Is(err, yamldoc.ErrEmpty) {
		return Seed{}, false, nil
	}
	if err != nil {
		return Seed{}, false, err
	}
	id := nonEmptyString(m, "sie_id")
	if id == "" {
		id = nonEmptyString(m, "name")
	}
	if id == "" {
		return Seed{}, false, nil
	}
	if err := checkSeedProfiles(m); err != nil {
		return Seed{}, false, err
	}
	return Seed{ID: id, Doc: m, Text: string(data)}, true, nil
}

func nonEmptyString(m *doc.Map, key string) string {
	v, _ := m.Get(key)
	s, _ := v.(string)
	return s
}

func checkSeedProfiles(m *doc.Map) error {
	v, ok := m.Get("profiles")
	if !ok {
		return nil
	}
	profiles, ok := v.(*doc.Map)
	if !ok {
		return fmt.Errorf("profiles must be a mapping")
	}
	for _, e := range profiles.Entries() {
		p, ok := e.Value.(*doc.Map)
		if !ok {
			return fmt.Errorf("profile %q must be a mapping", e.Key)
		}
		if ap, ok := p.Get("adapter_path"); ok && ap != nil {
			if _, ok := ap.(string); !ok {
				return fmt.Errorf("profile %q: adapter_path must be a string", e.Key)
			}
		}
	}
	return nil
}
