package dashboard_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/dashboard"
	"github.com/sieproject/sie/internal/gateway"
	"github.com/sieproject/sie/internal/samplecatalog"
	"github.com/sieproject/sie/internal/workers"
)

// BenchmarkOverview measures the overview on the upstream catalog (109
// models, 3 bundles; the sample catalog when it is absent) with 10 workers
// per bundle: served from the cache
// (nothing changed), rebuilt (a worker changed, so every model's status is
// recomputed), against the floor of one model's status view.
//
//	go test -run '^$' -bench Overview -count 3 ./internal/dashboard/
func BenchmarkOverview(b *testing.B) {
	root := os.Getenv("SIE_SHARED_DIR")
	if root == "" {
		root = "../../../shared"
	}
	dir := filepath.Join(root, "testdata", "catalog")
	if _, err := os.Stat(filepath.Join(dir, "models")); err != nil {
		// Without the upstream catalog: the built-in sample catalog.
		dir = b.TempDir()
		if err := samplecatalog.WriteTo(dir); err != nil {
			b.Fatal(err)
		}
	}
	st, err := gateway.LoadSeed(filepath.Join(dir, "bundles"), filepath.Join(dir, "models"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	reg := workers.NewRegistry(workers.RegistryConfig{})
	now := time.Now()
	for _, bundle := range st.Bundles() {
		for i := range 10 {
			url := fmt.Sprintf("http://%s-%d", bundle.Name, i)
			report(b, reg, url, url, bundle.Name, st.ExpectedHash(bundle.Name), true, now)
		}
	}
	m := &mirror{}
	m.st.Store(st)
	feed := dashboard.NewFeed(dashboard.Config{Mirror: m, Fleet: reg})
	snapshot := func(b *testing.B) {
		w := httptest.NewRecorder()
		feed.ServeSnapshot(w, httptest.NewRequest(http.MethodGet, "/v1/dashboard", nil))
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
		b.SetBytes(int64(w.Body.Len()))
	}
	b.Logf("%d models, %d workers", st.Len(), len(reg.Workers()))
	b.Run("floor_one_status_view", func(b *testing.B) {
		var model *gateway.Model
		for _, m := range st.Models() {
			model = m
			break
		}
		for b.Loop() {
			_ = st.StatusOf(model, reg)
		}
	})
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			snapshot(b)
		}
	})
	b.Run("rebuilt", func(b *testing.B) {
		ready := false
		for b.Loop() {
			// One worker flips, so every model's status is recomputed.
			report(b, reg, "http://default-0", "http://default-0", "default", st.ExpectedHash("default"), ready, now)
			ready = !ready
			snapshot(b)
		}
	})
}
