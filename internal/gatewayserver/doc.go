// Package gatewayserver assembles sie-gateway: configuration from the
// environment (flags are applied on top by the command), startup in the
// order of sie-gateway.md §1.3, and graceful shutdown. Tests, benchmarks
// and siectl run gateways in-process through Start.
package gatewayserver
