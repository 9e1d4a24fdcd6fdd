package yamldoc

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sieproject/sie/internal/testkit"
)

func catalogFiles(t *testing.T) []string {
	t.Helper()
	// The shipped catalog lives outside the repo; the test is skipped without it.
	catalog := testkit.SharedDir(t, "testdata/catalog")
	var files []string
	for _, dir := range []string{"bundles", "models"} {
		got, _ := filepath.Glob(filepath.Join(catalog, dir, "*.yaml"))
		files = append(files, got...)
	}
	if len(files) == 0 {
		t.Skip("shared catalog not present")
	}
	if len(files) != 112 {
		t.Fatalf("found %d catalog files, want 112", len(files))
	}
	return files
}

func TestCatalogParsesAndRoundTrips(t *testing.T) {
	for _, path := range catalogFiles(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(data)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(path), err)
			continue
		}
		out := Emit(m)
		back, err := Parse(out)
		if err != nil {
			t.Errorf("%s: re-parse: %v\n%s", filepath.Base(path), err, out)
			continue
		}
		if !same(m, back) {
			t.Errorf("%s: round trip differs\n%s", filepath.Base(path), out)
		}
	}
}
