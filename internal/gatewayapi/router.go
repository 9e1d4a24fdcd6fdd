package gatewayapi

import (
	"net/http"
	"net/url"
	"strings"
)

// param is a route's path parameter, raw (as sent) and percent-decoded.
type param struct{ raw, decoded string }

type handlerFunc func(w http.ResponseWriter, r *http.Request, p param)

// route is one path pattern: exact, a prefix followed by a non-empty rest,
// or a prefix followed by exactly one non-empty segment.
type route struct {
	exact   string
	prefix  string
	segment bool
	methods map[string]handlerFunc
	allow   string // the Allow header: methods comma-joined, GET implying HEAD
}

func (rt *route) match(path string) (string, bool) {
	if rt.exact != "" {
		return "", path == rt.exact
	}
	if !strings.HasPrefix(path, rt.prefix) {
		return "", false
	}
	rest := path[len(rt.prefix):]
	if rest == "" || (rt.segment && strings.Contains(rest, "/")) {
		return "", false
	}
	return rest, true
}

// router dispatches on the escaped path, so an encoded "/" (%2F) stays
// inside one segment, then decodes the parameter.
type router struct{ routes []*route }

func (rt *router) add(r *route) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		if _, ok := r.methods[m]; ok {
			allow = append(allow, m)
			if m == http.MethodGet {
				allow = append(allow, http.MethodHead)
			}
		}
	}
	r.allow = strings.Join(allow, ",")
	rt.routes = append(rt.routes, r)
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	for _, route := range rt.routes {
		raw, ok := route.match(path)
		if !ok {
			continue
		}
		method := r.Method
		if method == http.MethodHead {
			method = http.MethodGet // net/http drops the body of a HEAD answer
		}
		h, ok := route.methods[method]
		if !ok {
			w.Header().Set("Allow", route.allow)
			writeEmpty(w, http.StatusMethodNotAllowed)
			return
		}
		decoded, err := url.PathUnescape(raw)
		if err != nil {
			writeEmpty(w, http.StatusNotFound)
			return
		}
		h(w, r, param{raw: raw, decoded: decoded})
		return
	}
	writeEmpty(w, http.StatusNotFound)
}

func get(h handlerFunc) map[string]handlerFunc  { return map[string]handlerFunc{http.MethodGet: h} }
func post(h handlerFunc) map[string]handlerFunc { return map[string]handlerFunc{http.MethodPost: h} }
