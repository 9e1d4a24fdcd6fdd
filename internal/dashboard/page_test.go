package dashboard_test

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/sieproject/sie/internal/dashboard"
)

func serve(t *testing.T, h http.Handler, method, path string, header http.Header) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Result(), w.Body.String()
}

func TestPageServesTheEmbeddedAssets(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h := dashboard.Mount(api)

	resp, body := serve(t, h, http.MethodGet, "/ui/", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" ||
		!strings.Contains(body, `<script src="app.js" defer></script>`) {
		t.Fatalf("/ui/: %d %v\n%s", resp.StatusCode, resp.Header, body)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "connect-src 'self'", "script-src 'self'", "form-action 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Fatalf("CSP %q lacks %q", csp, want)
		}
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("headers: %v", resp.Header)
	}
	etag := resp.Header.Get("ETag")
	if resp, _ := serve(t, h, http.MethodGet, "/ui/", http.Header{"If-None-Match": {etag}}); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", resp.StatusCode)
	}
	for path, ctype := range map[string]string{
		"/ui/app.js": "text/javascript; charset=utf-8", "/ui/app.css": "text/css; charset=utf-8",
		"/ui/favicon.svg": "image/svg+xml", "/ui/index.html": "text/html; charset=utf-8",
	} {
		if resp, body := serve(t, h, http.MethodGet, path, nil); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != ctype || body == "" {
			t.Fatalf("%s: %d %q", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	if resp, body := serve(t, h, http.MethodHead, "/ui/app.js", nil); resp.StatusCode != http.StatusOK || body != "" {
		t.Fatalf("HEAD: %d %q", resp.StatusCode, body)
	}
	if resp, _ := serve(t, h, http.MethodGet, "/ui?x=1", nil); resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "ui/?x=1" {
		t.Fatalf("/ui: %d %v", resp.StatusCode, resp.Header)
	}
	for _, p := range []string{"/ui/nope.js", "/ui/assets/app.js", "/ui/../go.mod", "/ui/app.js/"} {
		if resp, body := serve(t, h, http.MethodGet, p, nil); resp.StatusCode != http.StatusNotFound || body != "" {
			t.Fatalf("%s: %d %q", p, resp.StatusCode, body)
		}
	}
	if resp, _ := serve(t, h, http.MethodPost, "/ui/", nil); resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET,HEAD" {
		t.Fatalf("POST: %d %v", resp.StatusCode, resp.Header)
	}
	// Everything else is the API's.
	for _, p := range []string{"/", "/uix", "/v1/dashboard", "/healthz"} {
		if resp, _ := serve(t, h, http.MethodGet, p, nil); resp.StatusCode != http.StatusTeapot {
			t.Fatalf("%s did not reach the API: %d", p, resp.StatusCode)
		}
	}
}

// The page loads nothing from elsewhere: no absolute URL in any asset
// (the SVG namespace is a name, not a fetch).
func TestPageHasNoExternalReference(t *testing.T) {
	external := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	root := os.DirFS("assets")
	n := 0
	err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := root.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			return err
		}
		n++
		text := strings.ReplaceAll(string(b), `xmlns="http://www.w3.org/2000/svg"`, "")
		if m := external.FindString(text); m != "" {
			t.Errorf("%s refers to %s", p, m)
		}
		return nil
	})
	if err != nil || n < 4 {
		t.Fatalf("%d assets: %v", n, err)
	}
}
