// Package api holds the OpenAPI 3.1 documents of sie-config and
// sie-gateway. They are embedded, so each service serves its own at
// GET /openapi.json, and tests check them against the routes in the code.
//
// Adding a route: add it to the service's router and its path and method
// to the document here; the route tests in internal/configapi and
// internal/gatewayapi fail until both agree.
package api

import _ "embed"

// ConfigOpenAPI is sie-config's document.
//
//go:embed sie-config.openapi.json
var ConfigOpenAPI []byte

// GatewayOpenAPI is sie-gateway's document.
//
//go:embed sie-gateway.openapi.json
var GatewayOpenAPI []byte
