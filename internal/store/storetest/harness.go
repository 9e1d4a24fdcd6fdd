package storetest

import (
	"log/slog"
	"testing"

	"github.com/sieproject/sie/internal/store"
)

// Harness gives the suite access to one fresh, empty store base.
type Harness struct {
	// Open returns a new store instance on the base. Every call returns a
	// distinct instance (its own epoch baseline) on the same base, the way
	// two replicas would share it. The suite closes it.
	Open func(t *testing.T, logger *slog.Logger) store.Store

	// Put writes an object directly, bypassing the store. rel is relative
	// to the base and "/"-separated: "epoch", "models/x.yaml".
	Put func(t *testing.T, rel string, data []byte)

	// Get reads an object directly; ok is false when it does not exist.
	Get func(t *testing.T, rel string) (data []byte, ok bool)
}

// NewHarness builds a harness on a fresh, empty base for one subtest.
type NewHarness func(t *testing.T) Harness

// open opens an instance that logs to nowhere and is closed with the test.
func (h Harness) open(t *testing.T) store.Store {
	t.Helper()
	return h.openLogged(t, nil)
}

func (h Harness) openLogged(t *testing.T, logger *slog.Logger) store.Store {
	t.Helper()
	s := h.Open(t, logger)
	t.Cleanup(func() { _ = s.Close() })
	return s
}
