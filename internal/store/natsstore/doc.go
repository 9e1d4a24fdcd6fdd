// Package natsstore is the nats://<bucket> config store: the epoch, the API
// documents and every change to them in one NATS JetStream stream, which
// any number of active sie-config replicas share (compare-and-set on the
// stream's last sequence; JetStream replicates and persists it).
package natsstore
