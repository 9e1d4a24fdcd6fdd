// Package testkit is what the project's tests share: the repository's test
// data and hash vectors, the shared catalog (skipped when absent), an
// embedded NATS server, free ports, polling with a deadline, log capture and
// a small cluster builder. Only _test.go files import it.
package testkit
