package configapi

import (
	"io"
	"runtime"

	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/doc"
)

// exportBatch is the number of export entries rendered as one piece.
const exportBatch = 256

// modelList is the snapshot's models in id order as one slice, which the
// renderers cut into batches.
func modelList(s *catalog.Snapshot) []*catalog.Model {
	models := make([]*catalog.Model, 0, s.Len())
	for _, m := range s.Models() {
		models = append(models, m)
	}
	return models
}

// renderEntries writes the export entries of models, comma-separated, in
// order. The entries are rendered on every core, a few batches ahead of
// the writer, so memory stays a few batches however large the registry;
// it reports false when a write fails (the client went away).
func renderEntries(w io.Writer, models []*catalog.Model) bool {
	if len(models) <= exportBatch {
		_, err := w.Write(renderBatch(models, true))
		return err == nil
	}
	workers := runtime.GOMAXPROCS(0)
	type job struct {
		models []*catalog.Model
		first  bool
		out    chan []byte
	}
	jobs := make(chan job)
	order := make(chan chan []byte, 2*workers)
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(order)
		defer close(jobs)
		for start := 0; start < len(models); start += exportBatch {
			j := job{models: models[start:min(start+exportBatch, len(models))], first: start == 0, out: make(chan []byte, 1)}
			select {
			case order <- j.out:
			case <-done:
				return
			}
			select {
			case jobs <- j:
			case <-done:
				return
			}
		}
	}()
	for range workers {
		go func() {
			for j := range jobs {
				j.out <- renderBatch(j.models, j.first)
			}
		}()
	}
	for out := range order {
		if _, err := w.Write(<-out); err != nil {
			return false
		}
	}
	return true
}

// renderBatch renders the entries of models, each preceded by a comma
// unless it is the first of the export.
func renderBatch(models []*catalog.Model, first bool) []byte {
	out := make([]byte, 0, 512*len(models))
	for i, m := range models {
		if i > 0 || !first {
			out = append(out, ',')
		}
		out = append(out, canonjson.Ordered(doc.NewMap(
			doc.Entry{Key: "model_id", Value: m.ID},
			doc.Entry{Key: "model_config", Value: exportDocument(m)},
			doc.Entry{Key: "raw_yaml", Value: m.Text()},
			doc.Entry{Key: "affected_bundles", Value: nonNil(m.Bundles())},
		))...)
	}
	return out
}
