package siectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/samplecatalog"
	"github.com/sieproject/sie/internal/workerview"
	"github.com/sieproject/sie/internal/yamldoc"
)

func validateCommand(o *options) *cobra.Command {
	var file, catalogDir, bundlesDir, modelsDir string
	var server bool
	cmd := &cobra.Command{
		Use:   "validate -f FILE|DIR [--server | --catalog DIR]",
		Short: "Check model documents with sie-config's rules, offline or against a live sie-config",
		Long: `validate checks each document the way sie-config checks a POST: the YAML
dialect, required fields, adapters known to a bundle, the append-only rules
for a model that exists. A document that changes an existing model is then
checked as a replacement (PUT), which is what apply would send.

By default it runs offline against the built-in sample catalog (its bundles
and models); --catalog DIR (with bundles/ and models/) or --bundles-dir /
--models-dir use another one. --server asks the sie-config at --config-url
instead, with dry runs (?dry_run=true): nothing is changed there.

Each result also says how workers will hold the model (worker_view): strict
(served), stub (held without outputs, inference rejected) or ignored.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if server && (catalogDir != "" || bundlesDir != "" || modelsDir != "") {
				return usage("--server checks against sie-config; it takes no catalog flags")
			}
			files, err := readModelFiles(file)
			if err != nil {
				return failed("%v", err)
			}
			if server {
				return o.finishValidate(o.validateLive(cmd.Context(), files), "sie-config at "+o.configURL+" (dry runs; nothing changed)")
			}
			if catalogDir != "" {
				if bundlesDir != "" || modelsDir != "" {
					return usage("use --catalog DIR or --bundles-dir/--models-dir, not both")
				}
				bundlesDir, modelsDir = filepath.Join(catalogDir, "bundles"), filepath.Join(catalogDir, "models")
			}
			snap, where, err := offlineCatalog(bundlesDir, modelsDir)
			if err != nil {
				return err
			}
			return o.finishValidate(validateOffline(snap, files), where)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&file, "file", "f", "", "model YAML file or directory")
	f.BoolVar(&server, "server", false, "check against the live sie-config at --config-url (dry runs)")
	f.StringVar(&catalogDir, "catalog", "", "offline: a catalog directory with bundles/ and models/ (default: the built-in sample)")
	f.StringVar(&bundlesDir, "bundles-dir", "", "offline: bundle directory")
	f.StringVar(&modelsDir, "models-dir", "", "offline: seed model directory (with --bundles-dir)")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

// validationResult is one file's verdict.
type validationResult struct {
	File       string      `json:"file"`
	ModelID    *string     `json:"model_id"`
	Valid      bool        `json:"valid"`
	Action     *string     `json:"action"` // create | append | unchanged | replace
	Bundles    []string    `json:"bundles"`
	WorkerView *workerView `json:"worker_view"`
	Error      *string     `json:"error"`
	Message    *string     `json:"message"`
}

func (o *options) finishValidate(results []validationResult, where string) error {
	invalid := 0
	for _, r := range results {
		if !r.Valid {
			invalid++
		}
	}
	err := o.emit(results, func(w io.Writer) {
		fmt.Fprintf(w, "Checked against %s:\n", where)
		for _, r := range results {
			if !r.Valid {
				msg := ""
				if r.Error != nil {
					msg = *r.Error + ": "
				}
				if r.Message != nil {
					msg += *r.Message
				}
				fmt.Fprintf(w, "invalid  %s  %s\n", r.File, msg)
				continue
			}
			fmt.Fprintf(w, "valid    %s  %s  %s  bundles %s\n", r.File, deref(r.ModelID), deref(r.Action), list(r.Bundles))
			if v := r.WorkerView; v != nil && v.Form != "strict" {
				fmt.Fprintf(w, "  warning: workers hold it as %s: %s\n", v.Form, strings.Join(v.Reasons, "; "))
			}
		}
	})
	if err != nil {
		return err
	}
	if invalid > 0 {
		return failed("%d of %d model file(s) invalid", invalid, len(results))
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}

func ptr[T any](v T) *T { return &v }

// offlineCatalog loads bundles and seeds from directories, or from the
// built-in sample catalog when both are empty.
func offlineCatalog(bundlesDir, modelsDir string) (*catalog.Snapshot, string, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if bundlesDir == "" && modelsDir == "" {
		bundles, seeds, err := sampleCatalog()
		if err != nil {
			return nil, "", failed("%v", err)
		}
		return catalog.NewSnapshot(bundles, seeds, quiet), "the built-in sample catalog (offline; --server checks a live sie-config)", nil
	}
	if bundlesDir == "" {
		return nil, "", usage("--models-dir needs --bundles-dir")
	}
	bundles, err := catalog.LoadBundles(bundlesDir, quiet)
	if err != nil {
		return nil, "", failed("%v", err)
	}
	if len(bundles) == 0 {
		return nil, "", failed("no bundles in %s", bundlesDir)
	}
	var seeds []catalog.Seed
	if modelsDir != "" {
		if seeds, err = catalog.LoadSeeds(modelsDir, quiet); err != nil {
			return nil, "", failed("%v", err)
		}
	}
	return catalog.NewSnapshot(bundles, seeds, quiet), fmt.Sprintf("%d bundle(s) of %s and %d seed model(s) (offline)", len(bundles), bundlesDir, len(seeds)), nil
}

// sampleCatalog reads the embedded sample's bundles and seeds.
func sampleCatalog() ([]*catalog.Bundle, []catalog.Seed, error) {
	var bundles []*catalog.Bundle
	var seeds []catalog.Seed
	for _, sub := range samplecatalog.Dirs {
		entries, err := fs.ReadDir(samplecatalog.FS, sub)
		if err != nil {
			return nil, nil, err
		}
		for _, e := range entries {
			data, err := samplecatalog.FS.ReadFile(path.Join(sub, e.Name()))
			if err != nil {
				return nil, nil, err
			}
			if sub == "bundles" {
				b, err := catalog.ParseBundle(strings.TrimSuffix(e.Name(), ".yaml"), data)
				if err != nil {
					return nil, nil, fmt.Errorf("sample bundle %s: %w", e.Name(), err)
				}
				bundles = append(bundles, b)
				continue
			}
			if s, ok, err := catalog.ParseSeed(data); err == nil && ok {
				seeds = append(seeds, s)
			}
		}
	}
	catalog.SortBundles(bundles)
	return bundles, seeds, nil
}

// validateOffline applies the POST rules against snap, then the PUT rules
// when only the append-only rules stand in the way.
func validateOffline(snap *catalog.Snapshot, files []modelFile) []validationResult {
	out := make([]validationResult, 0, len(files))
	for _, f := range files {
		res := validationResult{File: f.path, Bundles: []string{}}
		d, err := yamldoc.Parse(f.data)
		var id string
		if err == nil {
			id, err = catalog.DocumentID(d)
		}
		if err == nil {
			res.ModelID = &id
			if m := catalog.CheckModelID(id); m != "" {
				err = &catalog.InvalidIDError{Message: m}
			}
		}
		if err != nil {
			res.Error, res.Message = offlineError(err)
			out = append(out, res)
			continue
		}
		existing := snap.Exact(id)
		plan, err := catalog.PlanAppend(snap, id, d)
		switch {
		case err == nil:
			res.Valid, res.Bundles = true, plan.Bundles
			full := plan.Doc
			switch {
			case existing == nil:
				res.Action = ptr(actCreate)
			case len(plan.Created) == 0:
				res.Action, full = ptr(actUnchanged), existing.Effective()
			default:
				res.Action = ptr(actAppend)
			}
			res.WorkerView = viewOf(id, full)
		case existing != nil && appendOnlyRefusal(err):
			if _, perr := catalog.PlanReplace(snap, id, d); perr != nil {
				res.Error, res.Message = offlineError(perr)
				break
			}
			res.Valid, res.Action = true, ptr(actReplace)
			res.Bundles = snap.Bundles().BundlesFor(catalog.ModuleSet(d))
			res.WorkerView = viewOf(id, d)
		default:
			res.Error, res.Message = offlineError(err)
		}
		out = append(out, res)
	}
	return out
}

func viewOf(id string, d *doc.Map) *workerView {
	v := workerview.Of(d, id)
	return &workerView{Form: v.Form, Reasons: v.Reasons}
}

// appendOnlyRefusal reports the POST errors a PUT would not raise: a
// content conflict, or a canonical change to an existing profile.
func appendOnlyRefusal(err error) bool {
	var ce *catalog.ConflictError
	var ve *catalog.ValidationError
	return errors.As(err, &ce) || (errors.As(err, &ve) && strings.Contains(ve.Message, "(append-only -- cannot modify)"))
}

// offlineError names an offline failure with the code sie-config would
// answer.
func offlineError(err error) (code, message *string) {
	var (
		ve *catalog.ValidationError
		ie *catalog.InvalidIDError
		ce *catalog.ConflictError
		pe *yamldoc.ParseError
		ge *yamldoc.GuardError
	)
	c := ""
	switch {
	case errors.As(err, &ve), errors.As(err, &ge):
		c = "validation_error"
	case errors.As(err, &ie):
		c = "invalid_model_id"
	case errors.As(err, &ce):
		c = "content_conflict"
	case errors.As(err, &pe):
		c = "parse_error"
	}
	m := err.Error()
	if c == "" {
		return nil, &m
	}
	return &c, &m
}

// validateLive asks sie-config with dry runs: POST, then PUT when the POST
// is refused by the append-only rules alone.
func (o *options) validateLive(ctx context.Context, files []modelFile) []validationResult {
	c := o.configClient()
	out := make([]validationResult, 0, len(files))
	for _, f := range files {
		res := validationResult{File: f.path, Bundles: []string{}}
		var id string
		if d, err := yamldoc.Parse(f.data); err == nil {
			if id, err = catalog.DocumentID(d); err == nil {
				res.ModelID = &id
			}
		}
		r, err := c.write(ctx, http.MethodPost, "/v1/configs/models?dry_run=true", f.data, nil)
		if err != nil {
			res.Error, res.Message = errorFields(err)
			out = append(out, res)
			continue
		}
		if !r.ok() && id != "" && liveAppendOnlyRefusal(r) {
			if r, err = c.write(ctx, http.MethodPut, modelPath(id)+"?dry_run=true", f.data, nil); err != nil {
				res.Error, res.Message = errorFields(err)
				out = append(out, res)
				continue
			}
			if r.ok() {
				res.Action = ptr(actReplace)
			}
		}
		if !r.ok() {
			res.Error, res.Message = errorFields(parseAPIError(r.status, r.body))
			out = append(out, res)
			continue
		}
		var ans struct {
			Created    []string    `json:"created_profiles"`
			Skipped    []string    `json:"existing_profiles_skipped"`
			Affected   []string    `json:"affected_bundles"`
			WorkerView *workerView `json:"worker_view"`
		}
		_ = json.Unmarshal(r.body, &ans)
		res.Valid, res.WorkerView = true, ans.WorkerView
		switch {
		case res.Action != nil:
			res.Bundles = nonNilStrings(ans.Affected)
		default:
			res.Action = ptr(actCreate)
			switch {
			case len(ans.Created) == 0:
				res.Action = ptr(actUnchanged)
			case len(ans.Skipped) > 0 || o.modelExists(ctx, c, id):
				res.Action = ptr(actAppend)
			}
			res.Bundles = hashBundles(r.body)
		}
		out = append(out, res)
	}
	return out
}

// modelExists reports whether sie-config has a model of exactly this id.
func (o *options) modelExists(ctx context.Context, c *client, id string) bool {
	if id == "" {
		return false
	}
	r, err := c.do(ctx, http.MethodGet, "/v1/configs/models", nil, nil)
	if err != nil || !r.ok() {
		return false
	}
	var list struct {
		Models []struct {
			ModelID string `json:"model_id"`
		} `json:"models"`
	}
	_ = json.Unmarshal(r.body, &list)
	for _, m := range list.Models {
		if m.ModelID == id {
			return true
		}
	}
	return false
}

func liveAppendOnlyRefusal(r response) bool {
	if r.status == http.StatusConflict {
		return true
	}
	e := parseAPIError(r.status, r.body)
	return r.status == http.StatusUnprocessableEntity && strings.Contains(e.Message, "(append-only -- cannot modify)")
}

// hashBundles lists the keys of a dry run's bundle_config_hashes in the
// server's (bundle) order.
func hashBundles(body []byte) []string {
	out := []string{}
	v, err := decodeOrdered(body)
	if err != nil {
		return out
	}
	m, _ := v.(*doc.Map)
	h, _ := m.Get("bundle_config_hashes")
	if hm, ok := h.(*doc.Map); ok {
		out = append(out, hm.Keys()...)
	}
	return out
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
