// Package storetest is the conformance suite every config-store backend
// runs in its tests: the same behaviours (layout, epoch parsing, the
// conditional epoch write, listing rules) checked the same way against the
// local directory and the S3 and GCS fakes.
//
// It imports testing and is meant to be imported only from _test files.
package storetest
