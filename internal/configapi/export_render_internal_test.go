package configapi

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/yamldoc"
)

func renderTestModels(t *testing.T, n int) []*catalog.Model {
	t.Helper()
	bundles := []*catalog.Bundle{{Name: "default", Priority: 10, Adapters: []string{"mod.a"}}}
	snap := catalog.NewSnapshot(bundles, nil, nil)
	models := make([]*catalog.Model, n)
	for i := range models {
		id := fmt.Sprintf("m/%05d", i)
		text := "sie_id: " + id + "\nprofiles:\n  default:\n    adapter_path: mod.a:C\n    max_batch_tokens: " + fmt.Sprint(i) + "\n"
		d, err := yamldoc.Parse([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		models[i] = snap.APIModel(id, d, text)
	}
	return modelList(snap.WithModels(models))
}

// The entries rendered on every core come out in order, the same bytes as
// one sequential rendering.
func TestRenderEntriesInOrder(t *testing.T) {
	for _, n := range []int{0, 1, exportBatch, exportBatch + 1, 5*exportBatch + 17} {
		models := renderTestModels(t, n)
		var got bytes.Buffer
		if !renderEntries(&got, models) {
			t.Fatal("render failed")
		}
		want := renderBatch(models, true)
		if !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("%d models: parallel rendering differs from the sequential one", n)
		}
		if n > 0 && (!strings.HasPrefix(got.String(), `{"model_id":"m/00000"`) || strings.Count(got.String(), `{"model_id"`) != n) {
			t.Fatalf("%d models: %.80s", n, got.String())
		}
	}
}

// failingWriter fails every write after the first.
type failingWriter struct{ writes int }

func (w *failingWriter) Write(p []byte) (int, error) {
	w.writes++
	if w.writes > 1 {
		return 0, errors.New("client went away")
	}
	return len(p), nil
}

// A client that goes away stops the rendering: no more writes, and the
// producer and workers end.
func TestRenderEntriesStopsWhenTheClientGoesAway(t *testing.T) {
	models := renderTestModels(t, 20*exportBatch)
	before := runtime.NumGoroutine()
	w := &failingWriter{}
	if renderEntries(w, models) {
		t.Fatal("a failed write reported success")
	}
	if w.writes != 2 {
		t.Fatalf("%d writes after the failure", w.writes)
	}
	testkit.Eventually(t, 10*time.Second, "the rendering goroutines end", func() bool { return runtime.NumGoroutine() <= before })
}
