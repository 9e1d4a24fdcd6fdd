// Package store is the contract of sie-config's durable config store
// (sie-config.md §8): the Store interface every backend implements, the
// store URL forms, the object layout (file-name encoding), the epoch and
// generation text formats and the error values. The backends live beside
// it (local, s3store, gcsstore).
package store
