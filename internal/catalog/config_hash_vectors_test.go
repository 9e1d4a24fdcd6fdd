package catalog

import (
	"sort"
	"strings"
	"testing"

	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/yamldoc"
)

// Helpers shared by the hash vector tests. Vectors are read (testkit) from the copies
// in testdata/vectors; catalog cases read the shared catalog in place (it
// must never be copied into the repository) and skip when it is absent.

// sortedKeys returns a file map's names in code-point order: directories are
// read in that order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// inlineBundles parses a case's bundle files with the registry's loader
// (later file wins on a duplicate name).
func inlineBundles(t testing.TB, files map[string]string) []*Bundle {
	t.Helper()
	var out []*Bundle
	byName := map[string]int{}
	for _, name := range sortedKeys(files) {
		b, err := ParseBundle(strings.TrimSuffix(name, ".yaml"), []byte(files[name]))
		if err != nil {
			t.Fatalf("bundle %s: %v", name, err)
		}
		if i, ok := byName[b.Name]; ok {
			out[i] = b
			continue
		}
		byName[b.Name] = len(out)
		out = append(out, b)
	}
	return out
}

func mustParse(t testing.TB, text string) *doc.Map {
	t.Helper()
	m, err := yamldoc.Parse([]byte(text))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, text)
	}
	return m
}

func findBundle(bundles []*Bundle, name string) *Bundle {
	for _, b := range bundles {
		if b.Name == name {
			return b
		}
	}
	return nil
}

func joinEntries(entries [][]byte) string {
	if len(entries) == 0 {
		return ""
	}
	var sb strings.Builder
	sb.WriteByte('[')
	for i, e := range entries {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.Write(e)
	}
	sb.WriteByte(']')
	return sb.String()
}
