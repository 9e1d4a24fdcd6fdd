package workers

import (
	"slices"
	"testing"
)

// D3k: comma-separated values become several workers.
func TestParseStatic(t *testing.T) {
	got := ParseStatic("http://a:8080, http://b:8080", " b:9 ,,http://a:8080", "https://c/")
	want := []string{"http://a:8080", "http://b:8080", "http://b:9", "https://c/"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v", got)
	}
	if ParseStatic("", " , ") != nil {
		t.Fatal("empties dropped")
	}
}

func TestStatusURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://a:1":      "ws://a:1/ws/status",
		"https://a/p/":    "wss://a/p/ws/status",
		"http://a:1/base": "ws://a:1/base/ws/status",
	} {
		if got := StatusURL(in); got != want {
			t.Errorf("%s → %s, want %s", in, got, want)
		}
	}
}
