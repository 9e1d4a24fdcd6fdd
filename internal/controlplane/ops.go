package controlplane

import (
	"context"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/yamldoc"
)

// AppendResult is the outcome of a POST.
type AppendResult struct {
	ModelID  string
	Created  []string
	Skipped  []string
	Bundles  []string // post-write bundle list
	Warnings []string
	Epoch    int64
}

// Append adds a model or appends profiles (append-only). id must come from
// catalog.DocumentID(body).
func (s *Service) Append(ctx context.Context, id string, body *doc.Map) (*AppendResult, error) {
	var res *AppendResult
	warnings, err := s.write(func(snap *catalog.Snapshot) (*announcement, error) {
		plan, err := catalog.PlanAppend(snap, id, body)
		if err != nil {
			return nil, err
		}
		res = &AppendResult{ModelID: id, Created: plan.Created, Skipped: plan.Skipped}
		if len(plan.Created) == 0 {
			res.Bundles, res.Epoch = plan.Bundles, s.Epoch()
			return nil, nil
		}
		text := yamldoc.Emit(plan.Doc)
		next, model := snap.WithAPI(id, plan.Doc, string(text))
		res.Bundles = model.Bundles()
		var ann *announcement
		res.Epoch, ann, err = s.apply(ctx, change{
			id: id, next: next, model: model, text: text, targets: model.Bundles(), added: plan.Created,
		})
		return ann, err
	})
	if err != nil {
		return nil, err
	}
	res.Warnings = warnings
	return res, nil
}

// write runs fn under the write lock. A change fn made is then awaited
// outside the lock (at most the publish timeout), so neither other writers
// nor readers ever wait behind a publish. A call that changed nothing
// re-sends earlier failed announcements instead: a retry of a write whose
// announcement failed announces it now.
func (s *Service) write(fn func(snap *catalog.Snapshot) (*announcement, error)) ([]string, error) {
	snap, err := s.begin()
	if err != nil {
		return nil, err
	}
	ann, changed, err := func() (*announcement, bool, error) {
		defer s.writeMu.Unlock()
		before := s.Epoch()
		ann, err := fn(snap)
		return ann, s.Epoch() != before, err
	}()
	if err != nil {
		return nil, err
	}
	if !changed {
		s.Republish()
		return []string{}, nil
	}
	return s.await(ann), nil
}

// ReplaceResult is the outcome of a PUT.
type ReplaceResult struct {
	ModelID   string
	Created   bool
	Replaced  bool
	Unchanged bool
	Bundles   []string
	Warnings  []string
	Epoch     int64
}

// Replace makes body the model's whole API document.
func (s *Service) Replace(ctx context.Context, id string, body *doc.Map) (*ReplaceResult, error) {
	var res *ReplaceResult
	warnings, err := s.write(func(snap *catalog.Snapshot) (*announcement, error) {
		plan, err := catalog.PlanReplace(snap, id, body)
		if err != nil {
			return nil, err
		}
		res = &ReplaceResult{ModelID: id}
		if plan.Unchanged {
			res.Unchanged, res.Bundles, res.Epoch = true, plan.Existing.Bundles(), s.Epoch()
			return nil, nil
		}
		text := yamldoc.Emit(plan.Doc)
		next, model := snap.WithAPI(id, plan.Doc, string(text))
		var before []string
		if plan.Existing != nil {
			before = plan.Existing.Bundles()
			res.Replaced = true
		} else {
			res.Created = true
		}
		res.Bundles = model.Bundles()
		var ann *announcement
		res.Epoch, ann, err = s.apply(ctx, change{
			id: id, next: next, model: model, text: text,
			targets: snap.Bundles().Order(before, model.Bundles()), added: plan.Added,
		})
		return ann, err
	})
	if err != nil {
		return nil, err
	}
	res.Warnings = warnings
	return res, nil
}

// DeleteResult is the outcome of a DELETE.
type DeleteResult struct {
	ModelID   string
	Deleted   bool
	Unchanged bool
	// Fallback is "filesystem" when a seed remains, else nil.
	Fallback *string
	Bundles  []string // union of the bundle lists before and after
	Warnings []string
	Epoch    int64
}

// Delete removes the model's API document.
func (s *Service) Delete(ctx context.Context, id string) (*DeleteResult, error) {
	var res *DeleteResult
	warnings, err := s.write(func(snap *catalog.Snapshot) (*announcement, error) {
		old := snap.Exact(id)
		if old == nil {
			return nil, &ModelNotFoundError{ID: id}
		}
		res = &DeleteResult{ModelID: id}
		if old.HasSeed() {
			fs := catalog.SourceFilesystem
			res.Fallback = &fs
		}
		if !old.HasAPI() {
			res.Unchanged, res.Bundles, res.Epoch = true, old.Bundles(), s.Epoch()
			return nil, nil
		}
		next, model := snap.WithoutAPI(id)
		var after []string
		if model != nil {
			after = model.Bundles()
		}
		res.Deleted = true
		res.Bundles = snap.Bundles().Order(old.Bundles(), after)
		var ann *announcement
		var err error
		res.Epoch, ann, err = s.apply(ctx, change{
			id: id, next: next, model: model, targets: res.Bundles, added: []string{}, deleted: true,
		})
		return ann, err
	})
	if err != nil {
		return nil, err
	}
	res.Warnings = warnings
	return res, nil
}
