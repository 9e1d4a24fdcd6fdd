// Package gcsstore is the config store on Google Cloud Storage
// (sie-config.md §8.4): the objectstore engine over one bucket, objects
// {prefix}/epoch and {prefix}/models/<encoded id>.yaml.
//
// Credentials are Application Default Credentials; STORAGE_EMULATOR_HOST
// points the client at an emulator (the client then skips authentication).
// Only "not found" reads as missing; every other failure is an error. The
// epoch write is conditional (ifGenerationMatch on the last generation, 0
// when absent) so a second writer is detected rather than silently merged.
package gcsstore
