package faulttest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/sieproject/sie/internal/testkit"
)

// binDir holds the binaries built for this run; TestMain removes it.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sie-faulttest-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "faulttest:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// binary builds cmd/<name> once per run, without -race: the processes under
// test are the subject, not the instrumented test binary, and an
// uninstrumented build reuses the packages `go vet` already compiled.
type binary struct {
	name string
	once sync.Once
	path string
	err  error
}

var (
	sieConfigBin  = &binary{name: "sie-config"}
	sieGatewayBin = &binary{name: "sie-gateway"}
)

// Path returns the built binary, failing the test if it cannot be built.
func (b *binary) Path(t testing.TB) string {
	t.Helper()
	p, err := b.build()
	if err != nil {
		t.Fatalf("build %s: %v", b.name, err)
	}
	return p
}

// Available reports whether the command exists and builds; the gateway is
// optional while it is being written.
func (b *binary) Available() bool {
	_, err := b.build()
	return err == nil
}

func (b *binary) build() (string, error) {
	b.once.Do(func() {
		src := filepath.Join("..", "..", "cmd", b.name)
		if m, _ := filepath.Glob(filepath.Join(src, "*.go")); len(m) == 0 {
			b.err = fmt.Errorf("no Go files in %s", src)
			return
		}
		b.path = filepath.Join(binDir, b.name)
		cmd := exec.Command(testkit.GoTool(), "build", "-o", b.path, "./"+filepath.ToSlash(src))
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("%v\n%s", err, out)
		}
	})
	return b.path, b.err
}
