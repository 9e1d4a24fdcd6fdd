// Package journal is the local store's append-only history of model
// changes: one checksummed JSON record per change in {base}/history.log,
// fsynced on append, a torn tail dropped on open, and an in-memory index
// per model so a history read costs one positioned read per entry.
package journal
