package configapi

import (
	"net/http"
	"net/url"
	"strings"
)

// route is one path pattern: an exact path, or a prefix whose remainder is
// a parameter (the whole rest for models, one segment for bundles).
type route struct {
	template string // the metric label, with upstream spelling
	exact    string
	prefix   string
	suffix   string // with prefix: the parameter lies between the two
	segment  bool   // the parameter must be one non-empty segment
	methods  map[string]endpoint
	allow    string
}

// endpoint is one method of a route: who may call it and its handler.
type endpoint struct {
	access access
	handle handlerFunc
}

// handlerFunc handles a matched request that passed its access check;
// param is the decoded path remainder.
type handlerFunc func(w http.ResponseWriter, r *http.Request, param string) error

// match reports whether path matches, and the parameter.
func (rt *route) match(path string) (string, bool) {
	if rt.exact != "" {
		return "", path == rt.exact
	}
	if !strings.HasPrefix(path, rt.prefix) {
		return "", false
	}
	if rt.suffix != "" {
		if len(path) <= len(rt.prefix)+len(rt.suffix) || !strings.HasSuffix(path, rt.suffix) {
			return "", false
		}
		return path[len(rt.prefix) : len(path)-len(rt.suffix)], true
	}
	param := path[len(rt.prefix):]
	if rt.segment && (param == "" || strings.Contains(param, "/")) {
		return "", false
	}
	return param, true
}

// serves reports whether the route has a handler for method (HEAD is
// served by GET).
func (rt *route) serves(method string) bool {
	_, ok := rt.methods[method]
	if !ok && method == http.MethodHead {
		_, ok = rt.methods[http.MethodGet]
	}
	return ok
}

// lookup finds the route for path. A suffix route (a model's /history)
// only takes the methods it serves, so every other request on such a path
// still reaches the model route, as before it existed. A path with a
// trailing slash that matches nothing but matches a route without the
// slash is redirected.
func lookup(routes []*route, method, path string) (rt *route, param string, redirect bool) {
	for _, rt := range routes {
		if p, ok := rt.match(path); ok && (rt.suffix == "" || rt.serves(method)) {
			return rt, p, false
		}
	}
	if trimmed := strings.TrimSuffix(path, "/"); trimmed != path && trimmed != "" {
		for _, rt := range routes {
			if _, ok := rt.match(trimmed); ok {
				return nil, "", true
			}
		}
	}
	return nil, "", false
}

// redirectWithoutSlash answers 307 with a relative Location (path and
// query), never built from the client's Host header. Only exact routes
// redirect, so the path always starts with a single "/" and cannot read as
// a scheme-relative URL.
func redirectWithoutSlash(w http.ResponseWriter, r *http.Request) {
	u := url.URL{Path: strings.TrimSuffix(r.URL.Path, "/"), RawQuery: r.URL.RawQuery}
	loc := u.EscapedPath()
	if strings.HasPrefix(loc, "//") {
		loc = "/" + strings.TrimLeft(loc, "/")
	}
	if u.RawQuery != "" {
		loc += "?" + u.RawQuery
	}
	w.Header().Set("Location", loc)
	w.WriteHeader(http.StatusTemporaryRedirect)
}
