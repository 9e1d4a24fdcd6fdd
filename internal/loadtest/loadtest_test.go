package loadtest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

func TestPercentile(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3}
	if pct(ds, 50) != 3 || pct(ds, 99) != 4 || pct(ds, 100) != 5 || pct(nil, 50) != 0 {
		t.Fatalf("p50 %v p99 %v p100 %v", pct(ds, 50), pct(ds, 99), pct(ds, 100))
	}
	if ds[0] != 5 {
		t.Fatal("pct sorted its input")
	}
}

// The layout holds what the scenarios start sie-config on, and the floors
// read it back.
func TestLayoutAndFloors(t *testing.T) {
	dir := t.TempDir()
	l, text, err := newLayout(dir, 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	seeds, _ := os.ReadDir(l.seeds)
	stored, _ := os.ReadDir(filepath.Join(l.store, "models"))
	if len(seeds) != 3 || len(stored) != 5 || text <= 0 {
		t.Fatalf("%d seeds, %d stored, %d bytes", len(seeds), len(stored), text)
	}
	if _, err := readAndParse(filepath.Join(l.store, "models")); err != nil {
		t.Fatal(err)
	}
	if _, err := durableReplace(dir, []byte("x"), 1); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "floor.yaml")); err != nil || string(data) != "x" {
		t.Fatalf("replaced file %q %v", data, err)
	}
	ns := testkit.NATS(t)
	f, err := newNATSFloor(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer f.close()
	if _, err := f.roundTrip(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.publishFlush(); err != nil {
		t.Fatal(err)
	}
}
