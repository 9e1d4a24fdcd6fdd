// Package faulttest is the fault suite (issue 8). It holds tests only: it
// drives the real sie-config binary, embedded NATS servers, simulated
// workers and gateway mirrors through crashes, outages, message loss and
// hostile input, and asserts that nothing acknowledged is lost, nothing is
// applied twice, and every gateway converges on sie-config's export.
//
// The suite runs by default under `go test -race ./...` within about three
// minutes on two cores. Its heavy parameters scale through the environment
// (see params_test.go): for example
//
//	SIE_FAULT_CYCLES=100 SIE_FAULT_WRITES=400 go test -run . -v ./internal/faulttest/
//
// and SIE_FAULT_REPORT=path writes the measured figures as JSON lines.
// docs/reliability.md records one such run.
package faulttest
