// Package objectstore is the one engine behind the object-storage config
// stores (s3store, gcsstore): objects {prefix}/epoch, {prefix}/generation
// and {prefix}/models/<encoded id>.yaml in one bucket, every call bounded
// by a timeout, only "not found" read as missing, and the epoch written
// conditionally on the version last seen (or on its absence) so a second
// writer is detected rather than silently merged. A backend supplies the
// Bucket: the few object operations of its service.
package objectstore
