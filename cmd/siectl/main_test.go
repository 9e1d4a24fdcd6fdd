package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/sieproject/sie/internal/testkit"
)

// siectl links only the local store: no cloud SDK, gRPC or OpenTelemetry
// code, which would triple what a first `go run ./cmd/siectl dev` compiles.
// sie-config links every backend.
func TestOnlyTheLocalStoreIsLinked(t *testing.T) {
	deps := func(pkg string) string {
		out, err := exec.Command(testkit.GoTool(), "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		return string(out)
	}
	const mod = "github.com/sieproject/sie/internal/store/"
	siectl := deps(".")
	if !strings.Contains(siectl, mod+"local\n") {
		t.Error("siectl does not link the local store")
	}
	for _, unwanted := range []string{mod + "s3store", mod + "gcsstore", mod + "objectstore",
		"github.com/aws/", "cloud.google.com/", "google.golang.org/grpc", "go.opentelemetry.io/"} {
		if strings.Contains(siectl, unwanted) {
			t.Errorf("siectl links %s", unwanted)
		}
	}
	config := deps("../sie-config")
	for _, want := range []string{mod + "local\n", mod + "s3store\n", mod + "gcsstore\n"} {
		if !strings.Contains(config, want) {
			t.Errorf("sie-config does not link %s", strings.TrimSpace(want))
		}
	}
}
