package siectl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func applyCommand(o *options) *cobra.Command {
	var file string
	var prune, dryRun, wait bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "apply -f FILE|DIR [--prune] [--dry-run] [--wait [--timeout D]]",
		Short: "Make sie-config match model documents (create, append or replace; --prune deletes the rest)",
		Long: `apply makes sie-config hold exactly the given model documents. Each document
is the complete document of its model: a model sie-config lacks is created; one
that differs only by new profiles gets them appended; any other difference
replaces the model's document (a PUT guarded by If-Match, so a change made
since the plan was computed is refused, not overwritten). With --prune, every
model added through the API that DIR does not contain is deleted (a model
with a built-in seed reverts to it). The plan is printed before anything
changes; --dry-run prints it and asks sie-config to check every step without
changing anything. With --wait, apply then waits (through --gateway-url's
fleet-wide rollout view) until every model it created or changed is ready on
every gateway replica at the epoch of its write, and exits 1 with the reason
for any that is not within --timeout.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if prune {
				if st, err := os.Stat(file); err == nil && !st.IsDir() {
					return usage("--prune needs -f DIR: a single file cannot say which models to keep")
				}
			}
			files, err := readModelFiles(file)
			if err != nil {
				return failed("%v", err)
			}
			locals, err := parseLocal(files)
			if err != nil {
				return err
			}
			if !wait {
				timeout = 0
			}
			return o.apply(cmd.Context(), locals, prune, dryRun, timeout)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "model YAML file, or a directory of them (*.yaml, *.yml, *.json)")
	cmd.Flags().BoolVar(&prune, "prune", false, "delete API models that DIR does not contain")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the plan and let sie-config check each step; change nothing")
	cmd.Flags().BoolVar(&wait, "wait", false, "wait until every written model is ready on every gateway at its write's epoch")
	cmd.Flags().DurationVar(&timeout, "timeout", 60*time.Second, "how long --wait waits, for all the models together")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

// applyReport is apply's -o json / -o yaml output.
type applyReport struct {
	DryRun      bool        `json:"dry_run"`
	EpochBefore int64       `json:"epoch_before"`
	Epoch       int64       `json:"epoch"`
	Actions     []applyItem `json:"actions"`
}

// applyItem is one step of the plan and its outcome.
type applyItem struct {
	Action     string      `json:"action"`
	ModelID    string      `json:"model_id"`
	File       *string     `json:"file"`
	Changes    docDelta    `json:"changes"`
	Status     *int        `json:"status"` // HTTP status; null when no request was needed
	OK         bool        `json:"ok"`
	Epoch      *int64      `json:"epoch"`
	Warnings   []string    `json:"warnings"`
	WorkerView *workerView `json:"worker_view"`
	Error      *string     `json:"error"`
	Message    *string     `json:"message"`
}

// workerView is E1's "worker_view" of a write answer.
type workerView struct {
	Form    string   `json:"form"`
	Reasons []string `json:"reasons"`
}

// writeAnswer holds the keys apply reads from any write answer.
type writeAnswer struct {
	Epoch      int64       `json:"epoch"`
	Warnings   []string    `json:"warnings"`
	WorkerView *workerView `json:"worker_view"`
}

// apply runs the plan; a positive wait then waits that long for the
// written models' rollout.
func (o *options) apply(ctx context.Context, locals []localModel, prune, dryRun bool, wait time.Duration) error {
	st, err := o.fetchState(ctx)
	if err != nil {
		return err
	}
	plan := makePlan(locals, st, prune)
	if o.output == "" {
		o.printPlan(plan, st.epoch, dryRun)
	}
	rep := applyReport{DryRun: dryRun, EpochBefore: st.epoch, Epoch: st.epoch, Actions: []applyItem{}}
	failures := 0
	c := o.configClient()
	for _, a := range plan {
		it := newApplyItem(a)
		if a.kind != actUnchanged {
			o.runAction(ctx, c, a, dryRun, &it)
			if !it.OK {
				failures++
			} else if it.Epoch != nil && *it.Epoch > rep.Epoch {
				rep.Epoch = *it.Epoch
			}
			if o.output == "" {
				printApplyOutcome(o.stdout, it, dryRun)
			}
		}
		rep.Actions = append(rep.Actions, it)
	}
	if o.output != "" {
		if err := o.print(rep); err != nil {
			return err
		}
	} else {
		printApplySummary(o.stdout, rep, dryRun)
	}
	if failures > 0 {
		return failed("%d of %d step(s) failed", failures, countChanges(plan))
	}
	if wait > 0 && !dryRun {
		return o.waitWritten(ctx, writtenModels(rep.Actions), wait)
	}
	return nil
}

// writtenModels are the models a write created or changed (not deleted),
// with the epoch of that write.
func writtenModels(items []applyItem) []writtenModel {
	var out []writtenModel
	for _, it := range items {
		if it.OK && it.Epoch != nil && it.Action != actUnchanged && it.Action != actDelete {
			out = append(out, writtenModel{id: it.ModelID, epoch: *it.Epoch})
		}
	}
	return out
}

func newApplyItem(a action) applyItem {
	it := applyItem{Action: a.kind, ModelID: a.id, Changes: a.delta.orEmpty(), Warnings: []string{}, OK: a.kind == actUnchanged}
	if a.local != nil {
		f := a.local.file
		it.File = &f
	}
	return it
}

func (d docDelta) orEmpty() docDelta {
	for _, p := range []*[]string{&d.ProfilesAdded, &d.ProfilesRemoved, &d.ProfilesChanged, &d.FieldsChanged} {
		if *p == nil {
			*p = []string{}
		}
	}
	return d
}

// runAction sends the action's request (as a dry run if asked) and records
// the outcome in it.
func (o *options) runAction(ctx context.Context, c *client, a action, dryRun bool, it *applyItem) {
	q := ""
	if dryRun {
		q = "?dry_run=true"
	}
	var r response
	var err error
	switch a.kind {
	case actCreate, actAppend:
		r, err = c.write(ctx, http.MethodPost, "/v1/configs/models"+q, a.local.text, nil)
	case actReplace:
		r, err = c.write(ctx, http.MethodPut, modelPath(a.id)+q, a.local.text, map[string]string{"If-Match": a.server.etag})
	case actDelete:
		r, err = c.write(ctx, http.MethodDelete, modelPath(a.id)+q, nil, map[string]string{"If-Match": a.server.etag})
	}
	if err != nil {
		it.Error, it.Message = errorFields(err)
		return
	}
	status := r.status
	it.Status = &status
	if !r.ok() {
		it.Error, it.Message = errorFields(parseAPIError(r.status, r.body))
		return
	}
	var ans writeAnswer
	if json.Unmarshal(r.body, &ans) != nil {
		m := "unreadable answer from sie-config"
		it.Message = &m
		return
	}
	it.OK = true
	it.Epoch = &ans.Epoch
	if ans.Warnings != nil {
		it.Warnings = ans.Warnings
	}
	it.WorkerView = ans.WorkerView
}

func countChanges(plan []action) int {
	n := 0
	for _, a := range plan {
		if a.kind != actUnchanged {
			n++
		}
	}
	return n
}

func (o *options) printPlan(plan []action, epoch int64, dryRun bool) {
	fmt.Fprintf(o.stdout, "Plan for %s (epoch %d):\n", o.configURL, epoch)
	if len(plan) == 0 {
		fmt.Fprintln(o.stdout, "  (no model documents)")
	}
	w := tabwriter.NewWriter(o.stdout, 0, 4, 2, ' ', 0)
	for _, a := range plan {
		where := "(not in the directory: pruned)"
		if a.local != nil {
			where = a.local.file
		}
		line := "  " + a.kind + "\t" + a.id + "\t" + where
		if sum := a.delta.summary(); sum != "" {
			line += "\t" + sum
		}
		fmt.Fprintln(w, line)
	}
	w.Flush()
	if dryRun {
		fmt.Fprintln(o.stdout, "Dry run: sie-config checks each step and changes nothing.")
	}
}

var doneVerb = map[string]string{actCreate: "created", actAppend: "appended", actReplace: "replaced", actDelete: "deleted"}

func printApplyOutcome(w io.Writer, it applyItem, dryRun bool) {
	verb := doneVerb[it.Action]
	if dryRun {
		verb = "would " + it.Action
	}
	if !it.OK {
		msg := "failed"
		if it.Error != nil {
			msg = *it.Error
		}
		if it.Message != nil {
			msg += ": " + *it.Message
		}
		if it.Status != nil {
			msg = fmt.Sprintf("HTTP %d %s", *it.Status, msg)
		}
		fmt.Fprintf(w, "FAILED %s %s: %s\n", it.Action, it.ModelID, msg)
		return
	}
	line := verb + " " + it.ModelID
	if !dryRun && it.Epoch != nil {
		line += fmt.Sprintf("  (epoch %d)", *it.Epoch)
	}
	fmt.Fprintln(w, line)
	for _, warning := range it.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warning)
	}
	if v := it.WorkerView; v != nil && v.Form != "strict" {
		fmt.Fprintf(w, "  workers hold it as %s: %s\n", v.Form, strings.Join(v.Reasons, "; "))
	}
}

func printApplySummary(w io.Writer, rep applyReport, dryRun bool) {
	counts := map[string]int{}
	failed := 0
	for _, it := range rep.Actions {
		if !it.OK {
			failed++
			continue
		}
		counts[it.Action]++
	}
	var parts []string
	for _, k := range []string{actCreate, actAppend, actReplace, actDelete, actUnchanged} {
		word := doneVerb[k]
		if dryRun && k != actUnchanged {
			word = "to " + k
		}
		if k == actUnchanged {
			word = k
		}
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], word))
		}
	}
	if failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", failed))
	}
	if len(parts) == 0 {
		parts = []string{"nothing to do"}
	}
	switch {
	case dryRun:
		fmt.Fprintf(w, "Dry run: %s; nothing was changed (epoch %d).\n", strings.Join(parts, ", "), rep.EpochBefore)
	case rep.Epoch == rep.EpochBefore:
		fmt.Fprintf(w, "%s; epoch %d.\n", capitalize(strings.Join(parts, ", ")), rep.Epoch)
	default:
		fmt.Fprintf(w, "%s; epoch %d → %d.\n", capitalize(strings.Join(parts, ", ")), rep.EpochBefore, rep.Epoch)
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// list joins s with commas, "-" when empty.
func list(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ",")
}
