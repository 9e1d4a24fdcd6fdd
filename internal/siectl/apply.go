package siectl

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"
)

func applyCommand(o *options) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "apply -f FILE|DIR",
		Short: "POST model documents to sie-config (append-only; safe to repeat)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			files, err := readModelFiles(file)
			if err != nil {
				return failed("%v", err)
			}
			return o.apply(cmd, files)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "model YAML file or directory")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

// applyOutcome is one file's result.
type applyOutcome struct {
	File     string   `json:"file"`
	ModelID  string   `json:"model_id,omitempty"`
	Status   int      `json:"status"`
	Result   string   `json:"result"` // created | unchanged | conflict | error
	Created  []string `json:"created_profiles,omitempty"`
	Skipped  []string `json:"existing_profiles_skipped,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	Epoch    int64    `json:"epoch,omitempty"`
	Error    string   `json:"error,omitempty"`
}

// apply POSTs each file with an Idempotency-Key derived from its content,
// so a retried apply replays instead of failing on a key reuse.
func (o *options) apply(cmd *cobra.Command, files []modelFile) error {
	c := o.configClient()
	// A content-derived key makes a re-run replay the first answer; an epoch
	// older than the one seen before this run marks such a replay.
	before := int64(-1)
	if r, err := c.do(cmd.Context(), http.MethodGet, "/v1/configs/epoch", nil, nil); err == nil && r.ok() {
		var e struct{ Epoch int64 }
		if json.Unmarshal(r.body, &e) == nil {
			before = e.Epoch
		}
	}
	var outcomes []applyOutcome
	failures := 0
	for _, f := range files {
		sum := sha256.Sum256(f.data)
		key := "siectl-apply-" + hex.EncodeToString(sum[:16])
		out := applyOutcome{File: f.path}
		r, err := c.do(cmd.Context(), http.MethodPost, "/v1/configs/models", f.data, map[string]string{
			"Idempotency-Key": key, "Content-Type": "application/x-yaml",
		})
		switch {
		case err != nil:
			out.Result, out.Error = "error", err.Error()
		case r.ok():
			var body struct {
				ModelID  string   `json:"model_id"`
				Created  []string `json:"created_profiles"`
				Skipped  []string `json:"existing_profiles_skipped"`
				Warnings []string `json:"warnings"`
				Epoch    int64    `json:"epoch"`
			}
			_ = json.Unmarshal(r.body, &body)
			out.Status, out.ModelID, out.Created, out.Skipped, out.Warnings, out.Epoch = r.status, body.ModelID, body.Created, body.Skipped, body.Warnings, body.Epoch
			out.Result = "unchanged"
			if r.status == http.StatusCreated && body.Epoch > before {
				out.Result = "created"
			} else if r.status == http.StatusCreated {
				out.Skipped, out.Created = append(out.Skipped, out.Created...), nil
			}
		default:
			out.Status, out.Error = r.status, strings.TrimSpace(string(r.body))
			out.Result = "error"
			if r.status == http.StatusConflict {
				out.Result = "conflict"
			}
		}
		if out.Result == "error" || out.Result == "conflict" {
			failures++
		}
		outcomes = append(outcomes, out)
	}
	if o.output != "" {
		if err := o.print(outcomes); err != nil {
			return err
		}
	} else {
		for _, out := range outcomes {
			o.printApplyLine(out)
		}
	}
	if failures > 0 {
		return failed("%d of %d model file(s) failed", failures, len(files))
	}
	return nil
}

func (o *options) printApplyLine(out applyOutcome) {
	switch out.Result {
	case "created":
		fmt.Fprintf(o.stdout, "created    %s  profiles %s  (skipped %s)  epoch %d\n", out.ModelID, list(out.Created), list(out.Skipped), out.Epoch)
	case "unchanged":
		fmt.Fprintf(o.stdout, "skipped    %s  nothing new (profiles %s)  epoch %d\n", out.ModelID, list(out.Skipped), out.Epoch)
	case "conflict":
		fmt.Fprintf(o.stdout, "conflict   %s  %d %s\n", out.File, out.Status, out.Error)
	default:
		fmt.Fprintf(o.stdout, "error      %s  %d %s\n", out.File, out.Status, out.Error)
	}
	for _, w := range out.Warnings {
		fmt.Fprintf(o.stdout, "  warning: %s\n", w)
	}
}

func list(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ",")
}
