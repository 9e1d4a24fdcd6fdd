// Package gatewayapi is sie-gateway's HTTP surface (sie-gateway.md §0,
// §4–6, §9): the config read endpoints with their exact keys, the worker
// status view, resolve, probes, metrics and the typed inference routes
// (which answer 404/503 in this phase).
//
// JSON bodies are compact with keys sorted at every level (upstream's
// serde_json without preserve_order); errors are {"message": …}; an
// unmatched path is a bare 404 and a wrong method a bare 405 with Allow.
// Middleware order is auth, then the router, so auth decides before
// 404/405.
package gatewayapi
