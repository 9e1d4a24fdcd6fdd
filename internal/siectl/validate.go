package siectl

import (
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/yamldoc"
)

func validateCommand(o *options) *cobra.Command {
	var file, bundlesDir string
	cmd := &cobra.Command{
		Use:   "validate -f FILE|DIR",
		Short: "Check model documents offline with the server's rules",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if bundlesDir == "" {
				bundlesDir = o.env("SIE_BUNDLES_DIR")
			}
			if bundlesDir == "" {
				return &ExitError{Code: 2, Err: errors.New("validate needs --bundles-dir or SIE_BUNDLES_DIR")}
			}
			bundles, err := catalog.LoadBundles(bundlesDir, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				return failed("%v", err)
			}
			if len(bundles) == 0 {
				return failed("no bundles in %s", bundlesDir)
			}
			files, err := readModelFiles(file)
			if err != nil {
				return failed("%v", err)
			}
			return o.validate(files, catalog.NewSnapshot(bundles, nil, nil))
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "model YAML file or directory")
	cmd.Flags().StringVar(&bundlesDir, "bundles-dir", "", "bundle directory (env SIE_BUNDLES_DIR)")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

// validationResult is one file's verdict.
type validationResult struct {
	File     string   `json:"file"`
	ModelID  string   `json:"model_id,omitempty"`
	Valid    bool     `json:"valid"`
	Error    string   `json:"error,omitempty"`
	Bundles  []string `json:"bundles,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// validate applies the POST rules for a new model against the bundles, and
// warns where real workers would degrade the document to a stub.
func (o *options) validate(files []modelFile, empty *catalog.Snapshot) error {
	results := make([]validationResult, 0, len(files))
	invalid := 0
	for _, f := range files {
		res := validationResult{File: f.path}
		plan, id, err := planNewModel(empty, f.data)
		res.ModelID = id
		if err != nil {
			res.Error = err.Error()
			invalid++
		} else {
			res.Valid, res.Bundles = true, plan.Bundles
			for _, p := range catalog.WorkerSchemaProblems(plan.Doc) {
				res.Warnings = append(res.Warnings, "workers would hold this model as a stub (compute_precision and adapter_options ignored): "+p)
			}
		}
		results = append(results, res)
	}
	if o.output != "" {
		if err := o.print(results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			if r.Valid {
				fmt.Fprintf(o.stdout, "valid      %s  %s  bundles %s\n", r.File, r.ModelID, list(r.Bundles))
			} else {
				fmt.Fprintf(o.stdout, "invalid    %s  %s\n", r.File, r.Error)
			}
			for _, w := range r.Warnings {
				fmt.Fprintf(o.stdout, "  warning: %s\n", w)
			}
		}
	}
	if invalid > 0 {
		return failed("%d of %d model file(s) invalid", invalid, len(files))
	}
	return nil
}

func planNewModel(empty *catalog.Snapshot, data []byte) (*catalog.AppendPlan, string, error) {
	d, err := yamldoc.Parse(data)
	if err != nil {
		return nil, "", err
	}
	id, err := catalog.DocumentID(d)
	if err != nil {
		return nil, "", err
	}
	plan, err := catalog.PlanAppend(empty, id, d)
	return plan, id, err
}

// parseForOutput turns a YAML document into plain Go values for JSON output.
func parseForOutput(data []byte) (any, error) {
	d, err := yamldoc.Parse(data)
	if err != nil {
		return nil, err
	}
	return plain(d), nil
}

func plain(v any) any {
	switch t := v.(type) {
	case *doc.Map:
		out := make(map[string]any, t.Len())
		for _, e := range t.Entries() {
			out[e.Key] = plain(e.Value)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = plain(x)
		}
		return out
	}
	return v
}
