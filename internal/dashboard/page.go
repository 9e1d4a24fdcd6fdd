package dashboard

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// PagePath is where the page is served.
const PagePath = "/ui/"

//go:embed assets
var assets embed.FS

// pageFile is one embedded asset with the headers it is served with.
type pageFile struct {
	name        string
	body        []byte
	contentType string
	etag        string
}

// contentTypes maps the asset extensions to their types.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
}

// contentSecurityPolicy keeps the page to its own origin: no external
// fetch, no inline script or style, no form submission (the token can
// never end up in a URL), no framing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Page serves the embedded page under PagePath: the page at /ui/, its
// assets beside it, /ui redirected to /ui/. It holds no data, so it needs
// no auth; everything it shows comes from the read-auth routes.
func Page() http.Handler {
	files := map[string]*pageFile{}
	err := fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		name := strings.TrimPrefix(p, "assets/")
		files[name] = &pageFile{name: name, body: body, contentType: contentTypes[path.Ext(name)],
			etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		panic("dashboard: embedded assets: " + err.Error()) // a build defect, not an input
	}
	files[""] = files["index.html"]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET,HEAD")
			writeEmpty(w, http.StatusMethodNotAllowed)
			return
		}
		p := r.URL.EscapedPath()
		if p == strings.TrimSuffix(PagePath, "/") {
			// A relative target ("ui/"), so the redirect also holds behind
			// a proxy that serves the gateway under a path prefix.
			target := path.Base(PagePath) + "/"
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			w.Header().Set("Location", target)
			writeEmpty(w, http.StatusMovedPermanently)
			return
		}
		f := files[strings.TrimPrefix(p, PagePath)]
		if f == nil || !strings.HasPrefix(p, PagePath) {
			writeEmpty(w, http.StatusNotFound)
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.contentType)
		h.Set("ETag", f.etag)
		h.Set("Cache-Control", "no-cache") // revalidate: a new gateway version serves new assets
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(f.body))
	})
}

// Mount serves the page in front of api: a request under PagePath (or for
// PagePath without its slash) goes to the page, anything else to api.
func Mount(api http.Handler) http.Handler {
	page := Page()
	prefix := strings.TrimSuffix(PagePath, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.EscapedPath(); p == prefix || strings.HasPrefix(p, PagePath) {
			page.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// writeEmpty is the gateway's bare answer (404, 405).
func writeEmpty(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(status)
}
