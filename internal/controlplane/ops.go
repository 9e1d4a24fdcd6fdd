package controlplane

import (
	"context"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/workerview"
	"github.com/sieproject/sie/internal/yamldoc"
)

// WriteOptions are the per-request options of a write.
type WriteOptions struct {
	// Pre is checked under the write lock before the existence checks
	// (PUT and DELETE).
	Pre Precondition
	// DryRun evaluates the write against the committed state and changes
	// nothing: no lock, no store, no epoch, no publish.
	DryRun bool
	// TokenID names the caller in the model's history (the audit log's
	// token_id); "" without a token.
	TokenID string
}

// BundleHash is the worker-side bundle_config_hash of one bundle after a
// (dry-run) write.
type BundleHash struct {
	Bundle string
	Hash   string
}

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
	View *workerview.View
	// BundleHashes is set for a dry run only, in bundle order.
	BundleHashes []BundleHash
}

// Append adds the model of a POST body, or appends profiles to it
// (append-only). The body must parse and carry a valid sie_id.
func (s *Service) Append(ctx context.Context, raw []byte, opts WriteOptions) (*AppendResult, error) {
	id, body, err := parseWriteBody(raw)
	if err != nil {
		return nil, err
	}
	res := &AppendResult{ModelID: id, Warnings: []string{}}
	out, err := s.write(ctx, opts, func(snap *catalog.Snapshot) (*change, []string, error) {
		*res = AppendResult{ModelID: id, Warnings: []string{}} // planned again after a lost race
		plan, err := catalog.PlanAppend(snap, id, body)
		if err != nil {
			return nil, nil, err
		}
		res.Created, res.Skipped, res.Bundles = plan.Created, plan.Skipped, plan.Bundles
		if len(plan.Created) == 0 {
			// Nothing is created: the view is the one of the current document.
			current := body
			if m := snap.Exact(id); m != nil {
				current = m.Effective()
			}
			if res.View, err = s.workerView(id, current); err != nil {
				return nil, nil, err
			}
			return nil, plan.Bundles, nil
		}
		if res.View, err = s.workerView(id, plan.Doc); err != nil {
			return nil, nil, err
		}
		text := yamldoc.Emit(plan.Doc)
		next, model := snap.WithAPI(id, plan.Doc, string(text))
		res.Bundles = model.Bundles()
		return &change{id: id, op: opOnAPI(snap, id, store.OpAppend), tokenID: opts.TokenID, next: next, model: model, text: text,
			targets: model.Bundles(), added: plan.Created}, nil, nil
	})
	if err != nil {
		return nil, err
	}
	res.Epoch, res.BundleHashes = out.epoch, out.hashes
	if out.warnings != nil {
		res.Warnings = out.warnings
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
	View         *workerview.View
	BundleHashes []BundleHash // dry run only
}

// Replace makes a PUT body the whole API document of the model the path
// names: the path id must be valid, and the body's sie_id must equal it.
func (s *Service) Replace(ctx context.Context, id string, raw []byte, opts WriteOptions) (*ReplaceResult, error) {
	if err := checkPathID(id); err != nil {
		return nil, err
	}
	bodyID, body, err := parseWriteBody(raw)
	if err != nil {
		return nil, err
	}
	if bodyID != id {
		return nil, &catalog.ValidationError{Message: "sie_id '" + bodyID + "' does not match the model id in the path '" + id + "'"}
	}
	res := &ReplaceResult{ModelID: id, Warnings: []string{}}
	out, err := s.write(ctx, opts, func(snap *catalog.Snapshot) (*change, []string, error) {
		*res = ReplaceResult{ModelID: id, Warnings: []string{}} // planned again after a lost race
		if err := opts.Pre.check(id, snap.Exact(id)); err != nil {
			return nil, nil, err
		}
		plan, err := catalog.PlanReplace(snap, id, body)
		if err != nil {
			return nil, nil, err
		}
		if res.View, err = s.workerView(id, plan.Doc); err != nil {
			return nil, nil, err
		}
		if plan.Unchanged {
			res.Unchanged, res.Bundles = true, plan.Existing.Bundles()
			return nil, res.Bundles, nil
		}
		text := yamldoc.Emit(plan.Doc)
		next, model := snap.WithAPI(id, plan.Doc, string(text))
		var before []string
		res.Replaced, res.Created = plan.Existing != nil, plan.Existing == nil
		if plan.Existing != nil {
			before = plan.Existing.Bundles()
		}
		res.Bundles = model.Bundles()
		return &change{id: id, op: opOnAPI(snap, id, store.OpReplace), tokenID: opts.TokenID, next: next, model: model, text: text,
			targets: snap.Bundles().Order(before, model.Bundles()), added: plan.Added}, nil, nil
	})
	if err != nil {
		return nil, err
	}
	res.Epoch, res.BundleHashes = out.epoch, out.hashes
	if out.warnings != nil {
		res.Warnings = out.warnings
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
	View         *workerview.View
	BundleHashes []BundleHash // dry run only
}

// Delete removes the API document of the model the path names.
func (s *Service) Delete(ctx context.Context, id string, opts WriteOptions) (*DeleteResult, error) {
	if err := checkPathID(id); err != nil {
		return nil, err
	}
	res := &DeleteResult{ModelID: id, Warnings: []string{}}
	out, err := s.write(ctx, opts, func(snap *catalog.Snapshot) (*change, []string, error) {
		*res = DeleteResult{ModelID: id, Warnings: []string{}} // planned again after a lost race
		old := snap.Exact(id)
		if err := opts.Pre.check(id, old); err != nil {
			return nil, nil, err
		}
		if old == nil {
			return nil, nil, &ModelNotFoundError{ID: id}
		}
		if old.HasSeed() {
			fs := catalog.SourceFilesystem
			res.Fallback = &fs
		}
		if !old.HasAPI() {
			res.View = viewOf(id, old.Effective())
			res.Unchanged, res.Bundles = true, old.Bundles()
			return nil, res.Bundles, nil
		}
		next, model := snap.WithoutAPI(id)
		var after []string
		if model != nil {
			after = model.Bundles()
			res.View = viewOf(id, model.Effective())
		}
		res.Deleted = true
		res.Bundles = snap.Bundles().Order(old.Bundles(), after)
		return &change{id: id, op: store.OpDelete, tokenID: opts.TokenID, next: next, model: model, targets: res.Bundles,
			added: []string{}, deleted: true}, nil, nil
	})
	if err != nil {
		return nil, err
	}
	res.Epoch, res.BundleHashes = out.epoch, out.hashes
	if out.warnings != nil {
		res.Warnings = out.warnings
	}
	return res, nil
}

// planFunc validates a write against snap. It returns the change to make,
// or nil and the bundles the unchanged model maps to when there is nothing
// to do. It must not modify anything.
type planFunc func(snap *catalog.Snapshot) (*change, []string, error)

// writeOutcome is what the pipeline adds to a plan's result.
type writeOutcome struct {
	epoch    int64
	warnings []string     // nil: none produced (dry run, no change)
	hashes   []BundleHash // dry run only
}

// write runs plan in the next group commit (see submit) and applies its
// change, or, for a dry run, runs it against the last committed state
// without any effect. The announcement is awaited after the write lock is
// released, so a slow NATS never holds up the next writers for longer than
// the publish bound.
func (s *Service) write(_ context.Context, opts WriteOptions, plan planFunc) (writeOutcome, error) {
	if opts.DryRun {
		return s.dryRun(plan)
	}
	q := s.submit(plan)
	if q.err != nil {
		return writeOutcome{}, q.err
	}
	if !q.changed {
		// A retry of a write whose announcement failed announces it now.
		s.Republish()
		return writeOutcome{epoch: q.epoch}, nil
	}
	return writeOutcome{epoch: q.epoch, warnings: s.await(q.ann)}, nil
}

// dryRun evaluates plan on the committed state. It neither locks nor
// consults the store or NATS, so it answers while either is down. Only a
// store that could not be read at startup stops it: the API layer is then
// unknown, and an answer would describe the wrong state.
func (s *Service) dryRun(plan planFunc) (writeOutcome, error) {
	if e := s.unavailable.Load(); e != nil {
		return writeOutcome{}, e
	}
	snap, epoch := s.committedView()
	if snap == nil {
		return writeOutcome{}, RegistryUnavailableError{}
	}
	ch, bundles, err := plan(snap)
	if err != nil {
		return writeOutcome{}, err
	}
	after := snap
	if ch != nil {
		after, bundles = ch.next, ch.targets
	}
	hashes := make([]BundleHash, 0, len(bundles))
	for _, b := range bundles {
		hashes = append(hashes, BundleHash{Bundle: b, Hash: workerview.ExpectedHash(after, b)})
	}
	return writeOutcome{epoch: epoch, hashes: hashes}, nil
}

// viewOf runs the workers' apply rules on the document published for id.
func viewOf(id string, d *doc.Map) *workerview.View {
	v := workerview.Of(d, id)
	return &v
}

// workerView is viewOf for a POST or PUT, refused with UnservableError when
// servable documents are required and workers could not serve this one.
func (s *Service) workerView(id string, d *doc.Map) (*workerview.View, error) {
	v := viewOf(id, d)
	if s.requireServable && !v.Servable() {
		return nil, &UnservableError{Form: v.Form, Reasons: v.Reasons}
	}
	return v, nil
}
