// Package local is the config store on a local directory (sie-config.md §8.1,
// §8.3): {base}/epoch and {base}/models/<encoded id>.yaml, every write an
// fsynced temp file renamed into place followed by a directory fsync.
//
// The epoch write is guarded like the cloud stores' conditional writes:
// under an exclusive flock on the base directory, the epoch file must still
// be the one this instance last read or wrote (same inode, same bytes), so
// two processes sharing a directory by mistake are detected instead of
// interleaving epochs.
package local
