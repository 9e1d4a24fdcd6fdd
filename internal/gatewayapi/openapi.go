package gatewayapi

import (
	"net/http"
	"strconv"

	"github.com/sieproject/sie/api"
)

// serveOpenAPI serves the gateway's OpenAPI 3.1 document (never
// authenticated: it holds no data).
func serveOpenAPI(w http.ResponseWriter, _ *http.Request, _ param) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(api.GatewayOpenAPI)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(api.GatewayOpenAPI)
}
