package gatewayapi

import (
	"net/http"

	"github.com/sieproject/sie/internal/dashboard"
)

// addDashboardRoutes registers the data routes of the live dashboard
// (internal/dashboard) behind read auth. The page itself is static and is
// served in front of the API by dashboard.Mount.
func addDashboardRoutes(rt *router, cfg Config) {
	feed := dashboard.NewFeed(dashboard.Config{Mirror: cfg.Mirror, Fleet: cfg.Workers, Context: cfg.Context})
	rt.add(&route{exact: "/v1/dashboard", methods: get(plain(feed.ServeSnapshot))})
	rt.add(&route{exact: "/v1/dashboard/events", methods: get(plain(feed.ServeEvents))})
}

// plain adapts a handler that takes no path parameter.
func plain(h http.HandlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ param) { h(w, r) }
}
