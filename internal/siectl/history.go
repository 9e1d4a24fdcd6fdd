package siectl

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func historyCommand(o *options) *cobra.Command {
	var limit int
	var docs bool
	cmd := &cobra.Command{
		Use:   "history MODEL [--limit N] [--docs]",
		Short: "List a model's recorded changes, newest first (epoch, op, time, who)",
		Long: `history lists the changes sie-config recorded for a model's API document,
newest first: the epoch of each, the operation (create, append, replace,
delete), when (UTC) and who (the token_id of the caller, as in the audit log;
- without a token). --docs prints each document too. Deleted models keep
their history. Needs a local directory or nats:// store; roll back with
siectl rollback MODEL --to-epoch E.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if limit < 1 {
				return usage("--limit must be a positive number, not %d", limit)
			}
			r, err := o.getConfig(cmd.Context(), modelPath(args[0])+"/history?limit="+strconv.Itoa(limit))
			if err != nil {
				return err
			}
			return o.printServerJSON(r.body, func(v any) { o.humanHistory(v, docs) })
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 20, "at most this many entries (the server caps it at 1000)")
	cmd.Flags().BoolVar(&docs, "docs", false, "print each entry's document")
	return cmd
}

func (o *options) humanHistory(v any, docs bool) {
	m, _ := v.(map[string]any)
	entries := items(v, "entries")
	if len(entries) == 0 {
		fmt.Fprintf(o.stdout, "no recorded changes of %v\n", m["model_id"])
		return
	}
	if docs {
		for _, e := range entries {
			fmt.Fprintf(o.stdout, "# epoch %v  %v  %v  by %v\n", e["epoch"], e["op"], e["at"], orDash(e["token_id"]))
			if raw, ok := e["raw_yaml"].(string); ok {
				fmt.Fprint(o.stdout, raw)
				if !strings.HasSuffix(raw, "\n") {
					fmt.Fprintln(o.stdout)
				}
			} else {
				fmt.Fprintln(o.stdout, "# (no API document)")
			}
		}
		return
	}
	w := tabwriter.NewWriter(o.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "EPOCH\tOP\tAT\tTOKEN_ID")
	for _, e := range entries {
		fmt.Fprintf(w, "%v\t%v\t%v\t%v\n", e["epoch"], e["op"], e["at"], orDash(e["token_id"]))
	}
	w.Flush()
}

func rollbackCommand(o *options) *cobra.Command {
	var toEpoch int64
	var ifMatch string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "rollback MODEL --to-epoch E [--if-match ETAG] [--dry-run]",
		Short: "Restore a model's document as of an epoch (a new write with a new epoch)",
		Long: `rollback writes back the model's API document as it was at epoch E (see
siectl history MODEL): a PUT of that document, or a DELETE when the model had
no API document then. It is a normal write: validated against today's
bundles, a new epoch, deltas to gateways and workers; "unchanged" when the
document already is that one.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if toEpoch < 0 {
				return usage("--to-epoch must be a non-negative epoch, not %d", toEpoch)
			}
			id := args[0]
			q := "?to_epoch=" + strconv.FormatInt(toEpoch, 10)
			if dryRun {
				q += "&dry_run=true"
			}
			r, err := o.configClient().write(cmd.Context(), http.MethodPost, modelPath(id)+"/rollback"+q, nil, preconditionHeader(ifMatch))
			if err != nil {
				return failed("%v", err)
			}
			return o.writeResult(r, func(v map[string]any) string {
				what := ""
				switch {
				case v["unchanged"] == true:
					what = "unchanged (the document already is the one of epoch " + strconv.FormatInt(toEpoch, 10) + ")"
				case v["deleted"] == true && v["fallback"] != nil:
					what = "API document deleted (reverted to its built-in seed)"
				case v["deleted"] == true:
					what = "deleted (it had no document then)"
				case v["created"] == true:
					what = "created"
				default:
					what = "replaced"
				}
				return "rolled back " + id + " to epoch " + strconv.FormatInt(toEpoch, 10) + ": " + what
			}, dryRun)
		},
	}
	cmd.Flags().Int64Var(&toEpoch, "to-epoch", 0, "the epoch whose document to restore")
	cmd.Flags().StringVar(&ifMatch, "if-match", "", `only if the model's current ETag is this one ("*": only if it exists)`)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "let sie-config check the rollback; change nothing")
	_ = cmd.MarkFlagRequired("to-epoch")
	return cmd
}
