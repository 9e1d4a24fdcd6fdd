package store

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"
)

// Opener opens a store at a parsed location.
type Opener func(ctx context.Context, loc Location, opts OpenOptions) (Store, error)

// OpenOptions is what a backend is opened with besides its location.
type OpenOptions struct {
	// Logger receives the backend's warnings (nil discards).
	Logger *slog.Logger
	// Getenv reads the backend's settings (e.g. SIE_NATS_URL for nats://):
	// the environment sie-config itself was configured from, which for an
	// in-process sie-config (siectl dev, tests) is not the process's. Nil
	// reads the process environment.
	Getenv func(string) string
}

// Env is o.Getenv, or the process environment when it is nil.
func (o OpenOptions) Env() func(string) string {
	if o.Getenv == nil {
		return os.Getenv
	}
	return o.Getenv
}

// The backends linked into this binary, by scheme ("" = local directory).
// Backends register from their package's init, the way database/sql
// drivers do: a binary gets a backend by importing it, and only then links
// the backend's dependencies.
var (
	backendsMu sync.RWMutex
	backends   = map[string]Opener{}
)

// Register makes a backend available to Open and ParseLocation under
// scheme ("" for local directories). It panics on a second registration of
// one scheme, which is a programming error.
func Register(scheme string, open Opener) {
	backendsMu.Lock()
	defer backendsMu.Unlock()
	if _, dup := backends[scheme]; dup {
		panic("store: backend registered twice for scheme " + fmt.Sprintf("%q", scheme))
	}
	backends[scheme] = open
}

// Schemes lists the URL schemes of the linked backends, sorted; "" stands
// for local directories.
func Schemes() []string {
	backendsMu.RLock()
	defer backendsMu.RUnlock()
	out := make([]string, 0, len(backends))
	for s := range backends {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func isURLScheme(scheme string) bool {
	if scheme == SchemeS3 || scheme == SchemeGCS {
		return true
	}
	backendsMu.RLock()
	defer backendsMu.RUnlock()
	_, ok := backends[scheme]
	return ok && scheme != ""
}

// Open opens the store named by url (SIE_CONFIG_STORE_DIR) with the backend
// registered for its scheme. A location whose backend this binary does not
// link is an error naming it.
func Open(ctx context.Context, url string, opts OpenOptions) (Store, error) {
	loc, err := ParseLocation(url)
	if err != nil {
		return nil, err
	}
	backendsMu.RLock()
	open := backends[loc.Scheme]
	backendsMu.RUnlock()
	if open == nil {
		what := "local directory"
		if loc.Scheme != "" {
			what = loc.Scheme + "://"
		}
		return nil, fmt.Errorf("store: this binary has no %s store backend (it links %s)", what, describeSchemes(Schemes()))
	}
	return open(ctx, loc, opts)
}

func describeSchemes(schemes []string) string {
	if len(schemes) == 0 {
		return "none"
	}
	out := ""
	for i, s := range schemes {
		if i > 0 {
			out += ", "
		}
		if s == "" {
			out += "local directories"
		} else {
			out += s + "://"
		}
	}
	return out
}
