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
	// View is what workers hold of the model's complete document after the
	// write (extensions E1); never nil.
	View *catalog.WorkerView
}

// Append adds a model or appends profiles (append-only). id must come from
// catalog.DocumentID(body).
func (s *Service) Append(ctx context.Context, id string, body *doc.Map) (*AppendResult, error) {
	snap, err := s.begin()
	if err != nil {
		return nil, err
	}
	defer s.writeMu.Unlock()
	plan, err := catalog.PlanAppend(snap, id, body)
	if err != nil {
		return nil, err
	}
	res := &AppendResult{ModelID: id, Created: plan.Created, Skipped: plan.Skipped, Warnings: []string{}}
	if len(plan.Created) == 0 {
		// Nothing is created: the view is the one of the current document.
		current := body
		if m := snap.Exact(id); m != nil {
			current = m.Effective()
		}
		if res.View, err = s.workerView(id, current); err != nil {
			return nil, err
		}
		// A retry of a write whose announcement failed announces it now.
		s.retryPending()
		res.Bundles, res.Epoch = plan.Bundles, s.epoch.Load()
		return res, nil
	}
	if res.View, err = s.workerView(id, plan.Doc); err != nil {
		return nil, err
	}
	text := yamldoc.Emit(plan.Doc)
	next, model := snap.WithAPI(id, plan.Doc, string(text))
	res.Bundles = model.Bundles()
	res.Epoch, res.Warnings, err = s.apply(ctx, change{
		id: id, next: next, model: model, text: text, targets: model.Bundles(), added: plan.Created,
	})
	if err != nil {
		return nil, err
	}
	return res, nil
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
	// View is what workers hold of the model's document after the write
	// (extensions E1); never nil.
	View *catalog.WorkerView
}

// Replace makes body the model's whole API document.
func (s *Service) Replace(ctx context.Context, id string, body *doc.Map) (*ReplaceResult, error) {
	snap, err := s.begin()
	if err != nil {
		return nil, err
	}
	defer s.writeMu.Unlock()
	plan, err := catalog.PlanReplace(snap, id, body)
	if err != nil {
		return nil, err
	}
	res := &ReplaceResult{ModelID: id, Warnings: []string{}}
	if res.View, err = s.workerView(id, plan.Doc); err != nil {
		return nil, err
	}
	if plan.Unchanged {
		s.retryPending()
		res.Unchanged, res.Bundles, res.Epoch = true, plan.Existing.Bundles(), s.epoch.Load()
		return res, nil
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
	res.Epoch, res.Warnings, err = s.apply(ctx, change{
		id: id, next: next, model: model, text: text,
		targets: snap.Bundles().Order(before, model.Bundles()), added: plan.Added,
	})
	if err != nil {
		return nil, err
	}
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
	// View is what workers hold of the document left after the DELETE (the
	// seed); nil when the model is removed.
	View *catalog.WorkerView
}

// Delete removes the model's API document.
func (s *Service) Delete(ctx context.Context, id string) (*DeleteResult, error) {
	snap, err := s.begin()
	if err != nil {
		return nil, err
	}
	defer s.writeMu.Unlock()
	old := snap.Exact(id)
	if old == nil {
		return nil, &ModelNotFoundError{ID: id}
	}
	res := &DeleteResult{ModelID: id, Warnings: []string{}}
	if old.HasSeed() {
		fs := catalog.SourceFilesystem
		res.Fallback = &fs
	}
	if !old.HasAPI() {
		res.View = viewOf(id, old.Effective())
		s.retryPending()
		res.Unchanged, res.Bundles, res.Epoch = true, old.Bundles(), s.epoch.Load()
		return res, nil
	}
	next, model := snap.WithoutAPI(id)
	var after []string
	if model != nil {
		after = model.Bundles()
		res.View = viewOf(id, model.Effective())
	}
	res.Deleted = true
	res.Bundles = snap.Bundles().Order(old.Bundles(), after)
	res.Epoch, res.Warnings, err = s.apply(ctx, change{
		id: id, next: next, model: model, targets: res.Bundles, added: []string{}, deleted: true,
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// viewOf runs the workers' apply rules on the document published for id.
func viewOf(id string, d *doc.Map) *catalog.WorkerView {
	v := catalog.ViewForWorkers(d, id)
	return &v
}

// workerView is viewOf for a POST or PUT, refused with UnservableError when
// servable documents are required and workers could not serve this one.
func (s *Service) workerView(id string, d *doc.Map) (*catalog.WorkerView, error) {
	v := viewOf(id, d)
	if s.requireServable && !v.Servable() {
		return nil, &UnservableError{Form: v.Form, Reasons: v.Reasons}
	}
	return v, nil
}

// retryPending re-sends earlier failed announcements; the caller holds
// writeMu.
func (s *Service) retryPending() {
	if s.pub != nil {
		s.flushPending()
	}
}
