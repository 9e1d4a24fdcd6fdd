package yamldoc

import (
	"strings"
	"testing"
)

// Few aliases of one long scalar stay under the node cap but must not
// expand into a huge document.
func TestAliasByteAmplificationRejected(t *testing.T) {
	body := "blob: &a \"" + strings.Repeat("x", 2000) + "\"\ntags: [" + strings.TrimSuffix(strings.Repeat("*a,", 9000), ",") + "]\n"
	_, err := Parse([]byte(body))
	pe, ok := err.(*ParseError)
	if !ok || !strings.Contains(pe.Message, "aliases expand to more than") {
		t.Fatalf("got %v", err)
	}
	// Modest reuse is fine.
	small := "blob: &a \"" + strings.Repeat("x", 100) + "\"\ntags: [*a, *a, *a]\n"
	if _, err := Parse([]byte(small)); err != nil {
		t.Fatal(err)
	}
}
