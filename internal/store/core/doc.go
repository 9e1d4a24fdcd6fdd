// Package core holds what every config-store backend shares: the Store
// contract, the store URL forms, the object layout (file-name encoding), the
// epoch text format and the error values.
//
// It exists as its own package so that the backends (local, s3store,
// gcsstore) and the store.Open factory, which imports all of them, can share
// these definitions without an import cycle. Callers normally use the
// re-exports in package store.
package core
