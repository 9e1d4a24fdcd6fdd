package controlplane

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/yamldoc"
)

// StoredModels lists and reads the API documents of a store.
type StoredModels interface {
	ListModelFiles(ctx context.Context) ([]string, error)
	ReadModelFile(ctx context.Context, name string) ([]byte, error)
}

// Restore loads every stored API document onto snap (sie-config.md §8.6).
// Bad files are skipped with an error log; a store that cannot be listed or
// read is an error. Restore writes nothing and leaves the epoch alone.
func Restore(ctx context.Context, snap *catalog.Snapshot, st StoredModels, log *slog.Logger) (*catalog.Snapshot, int, error) {
	names, err := st.ListModelFiles(ctx)
	if err != nil {
		return nil, 0, err
	}
	restored := 0
	for _, name := range names {
		if strings.HasPrefix(name, ".") {
			continue
		}
		data, err := st.ReadModelFile(ctx, name)
		if err != nil {
			return nil, 0, err
		}
		var ok bool
		if snap, ok = restoreDocument(snap, name, data, log); ok {
			restored++
		}
	}
	return snap, restored, nil
}

// restoreDocument makes one stored document the API document of its model
// (the rules of sie-config.md §8.6); ok is false when it was skipped.
func restoreDocument(snap *catalog.Snapshot, name string, data []byte, log *slog.Logger) (*catalog.Snapshot, bool) {
	d, err := yamldoc.Parse(data)
	if errors.Is(err, yamldoc.ErrEmpty) {
		return snap, false
	}
	if err != nil {
		log.Error("restore: skipping unparseable stored document", "file", name, "err", err)
		return snap, false
	}
	id, _ := d.Get("sie_id")
	sid, ok := id.(string)
	if !ok || sid == "" {
		log.Error("restore: skipping stored document without a string sie_id", "file", name)
		return snap, false
	}
	if name != strings.ReplaceAll(sid, "/", "__")+".yaml" {
		log.Error("restore: skipping stored document whose file name does not encode its sie_id", "file", name, "sie_id", sid)
		return snap, false
	}
	if err := catalog.ValidateStored(d); err != nil {
		log.Error("restore: skipping invalid stored document", "file", name, "err", err)
		return snap, false
	}
	var m *catalog.Model
	snap, m = snap.WithAPI(sid, d, string(data))
	if len(m.Bundles()) == 0 {
		log.Error("restore: stored model is unrouteable (its adapter modules are in no bundle)", "model", sid, "modules", m.Modules())
	}
	return snap, true
}
