// Package testkit is what the project's tests share: the repository's test
// data and hash vectors, the shared catalog (skipped when absent), an
// embedded NATS server, free ports, polling with a deadline (Eventually)
// and log capture. It imports no project package, so every package's own
// tests can use it; the small in-process cluster builder, which imports the
// services, is testkit/testcluster. Only tests import either.
package testkit
