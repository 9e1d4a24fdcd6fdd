package testkit

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// RepoRoot is the module's root directory, found from this file's location
// so tests in any package resolve the same paths.
func RepoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("testkit: cannot locate the repository")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Testdata reads a file of the repository's testdata directory.
func Testdata(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(RepoRoot(), "testdata", rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// LoadVector decodes testdata/vectors/name (the repository's copy of a hash
// vector file) into into.
func LoadVector(t testing.TB, name string, into any) {
	t.Helper()
	if err := json.Unmarshal(Testdata(t, filepath.Join("vectors", name)), into); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// SharedDir resolves rel (e.g. "testdata/catalog") under the shared
// directory beside the repository, or SIE_SHARED_DIR when set, and skips the
// test when it is absent: a user's clone does not have it, CI does.
func SharedDir(t testing.TB, rel string) string {
	t.Helper()
	root := os.Getenv("SIE_SHARED_DIR")
	if root == "" {
		root = filepath.Join(RepoRoot(), "..", "shared")
	}
	dir := filepath.Join(root, rel)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared directory not available at %s", dir)
	}
	return dir
}

// GoTool is the go command that runs the tests: $GOROOT/bin/go when
// GOROOT is set, else the one on PATH.
func GoTool() string {
	if root := os.Getenv("GOROOT"); root != "" {
		p := filepath.Join(root, "bin", "go")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "go"
}
