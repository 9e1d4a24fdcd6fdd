package controlplane

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/yamldoc"
)

// StoredModels lists and reads the API documents of a store.
type StoredModels interface {
	ListModelFiles(ctx context.Context) ([]string, error)
	ReadModelFile(ctx context.Context, name string) ([]byte, error)
}

// restoreProgressEvery paces the progress lines of a long restore.
const restoreProgressEvery = 2 * time.Second

// restored is what one stored file contributes: a model (nil when the file
// is skipped) and what to log about it, in file order once every file is
// read.
type restored struct {
	model *catalog.Model
	note  func(log *slog.Logger)
}

// Restore loads every stored API document onto snap (sie-config.md §8.6).
// Bad files are skipped with an error log; a store that cannot be listed or
// read is an error. Restore writes nothing and leaves the epoch alone.
//
// It is linear in the number of documents: the files are read, parsed and
// turned into models on every core, and the registry is built once from all
// of them (Snapshot.WithModels) instead of one derivation per document.
// A restore longer than a couple of seconds logs its progress.
func Restore(ctx context.Context, snap *catalog.Snapshot, st StoredModels, log *slog.Logger) (*catalog.Snapshot, int, error) {
	all, err := st.ListModelFiles(ctx)
	if err != nil {
		return nil, 0, err
	}
	names := all[:0:0]
	for _, name := range all {
		if !strings.HasPrefix(name, ".") {
			names = append(names, name)
		}
	}
	return restoreFiles(ctx, snap, names, st.ReadModelFile, log)
}

// restoreFiles restores the stored documents names, read with read, onto
// snap: Restore's work once the files are listed (a journal store's load
// hands its documents in directly).
func restoreFiles(ctx context.Context, snap *catalog.Snapshot, names []string, read func(ctx context.Context, name string) ([]byte, error), log *slog.Logger) (*catalog.Snapshot, int, error) {
	start := time.Now()
	log.Info("restoring API documents from the store", "files", len(names))
	results := make([]restored, len(names))
	var (
		next, done atomic.Int64
		firstErr   error
		errOnce    sync.Once
		wg         sync.WaitGroup
	)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopProgress := logProgress(log, len(names), &done, start)
	for range min(runtime.GOMAXPROCS(0), max(len(names), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(names) || rctx.Err() != nil {
					return
				}
				data, err := read(rctx, names[i])
				if err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
				results[i] = storedModel(snap, names[i], data)
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	stopProgress()
	if firstErr != nil {
		return nil, 0, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	models := make([]*catalog.Model, 0, len(names))
	for _, r := range results {
		if r.note != nil {
			r.note(log)
		}
		if r.model != nil {
			models = append(models, r.model)
		}
	}
	snap = snap.WithModels(models).Settled()
	n := len(models)
	if len(names) >= bulkRestore {
		// The files read, their trees and the build's copies are garbage
		// now, several times what the registry keeps: hand them back to the
		// OS at once instead of holding the peak (a restore is a one-off
		// burst; the collector alone would keep the heap near it).
		debug.FreeOSMemory()
	}
	log.Info("restored the stored API documents", "files", len(names), "models", n, "elapsed", time.Since(start).Round(time.Millisecond).String())
	return snap, n, nil
}

// bulkRestore is the number of stored documents from which a restore
// returns its garbage to the OS when done.
const bulkRestore = 1000

// logProgress logs how far the restore got every restoreProgressEvery until
// the returned stop is called.
func logProgress(log *slog.Logger, total int, done *atomic.Int64, start time.Time) (stop func()) {
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(restoreProgressEvery)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				log.Info("restore in progress", "read", done.Load(), "files", total, "elapsed", time.Since(start).Round(time.Millisecond).String())
			}
		}
	}()
	return func() { close(quit); <-finished }
}

// storedModel checks one stored document (the rules of sie-config.md
// §8.6) and builds its model on snap; a bad document is a skip.
func storedModel(snap *catalog.Snapshot, name string, data []byte) restored {
	d, err := yamldoc.Parse(data)
	if errors.Is(err, yamldoc.ErrEmpty) {
		return restored{}
	}
	if err != nil {
		return skip("restore: skipping unparseable stored document", "file", name, "err", err)
	}
	id, _ := d.Get("sie_id")
	sid, ok := id.(string)
	if !ok || sid == "" {
		return skip("restore: skipping stored document without a string sie_id", "file", name)
	}
	if name != strings.ReplaceAll(sid, "/", "__")+".yaml" {
		return skip("restore: skipping stored document whose file name does not encode its sie_id", "file", name, "sie_id", sid)
	}
	if err := catalog.ValidateStored(d); err != nil {
		return skip("restore: skipping invalid stored document", "file", name, "err", err)
	}
	m := snap.APIModel(sid, d, string(data))
	if len(m.Bundles()) == 0 {
		r := skip("restore: stored model is unrouteable (its adapter modules are in no bundle)", "model", sid, "modules", m.Modules())
		r.model = m
		return r
	}
	return restored{model: m}
}

// restoreDocument makes one stored document the API document of its model
// (a journal record another replica appended); ok is false when it was
// skipped.
func restoreDocument(snap *catalog.Snapshot, name string, data []byte, log *slog.Logger) (*catalog.Snapshot, bool) {
	r := storedModel(snap, name, data)
	if r.note != nil {
		r.note(log)
	}
	if r.model == nil {
		return snap, false
	}
	return snap.WithModel(r.model), true
}

// skip is a file left out, with the error line that says why.
func skip(msg string, args ...any) restored {
	return restored{note: func(log *slog.Logger) { log.Error(msg, args...) }}
}
