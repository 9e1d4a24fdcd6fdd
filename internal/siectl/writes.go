package siectl

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

func replaceCommand(o *options) *cobra.Command {
	var file, ifMatch string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "replace -f FILE [--if-match ETAG] [--dry-run]",
		Short: "Replace one model's whole document (PUT)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			files, err := readModelFiles(file)
			if err != nil {
				return failed("%v", err)
			}
			if len(files) != 1 {
				return usage("replace takes one file, not a directory of %d", len(files))
			}
			locals, err := parseLocal(files)
			if err != nil {
				return err
			}
			m := locals[0]
			r, err := o.configClient().write(cmd.Context(), http.MethodPut, modelPath(m.id)+dryRunQuery(dryRun), m.text, preconditionHeader(ifMatch))
			if err != nil {
				return failed("%v", err)
			}
			return o.writeResult(r, func(v map[string]any) string {
				switch {
				case v["unchanged"] == true:
					return "unchanged " + m.id + " (the document is already this one)"
				case v["created"] == true:
					return "created " + m.id
				}
				return "replaced " + m.id
			}, dryRun)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "the model's complete YAML document")
	cmd.Flags().StringVar(&ifMatch, "if-match", "", `only if the model's current ETag is this one ("*": only if it exists)`)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "let sie-config check the write; change nothing")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

func deleteCommand(o *options) *cobra.Command {
	var ifMatch string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "delete MODEL [--if-match ETAG] [--dry-run]",
		Short: "Delete a model's API document (a model with a built-in seed reverts to it)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			r, err := o.configClient().write(cmd.Context(), http.MethodDelete, modelPath(id)+dryRunQuery(dryRun), nil, preconditionHeader(ifMatch))
			if err != nil {
				return failed("%v", err)
			}
			return o.writeResult(r, func(v map[string]any) string {
				switch {
				case v["unchanged"] == true:
					return "unchanged " + id + " (it has no API document; its built-in seed stays)"
				case v["fallback"] != nil:
					return "deleted " + id + " (reverted to its built-in seed)"
				}
				return "deleted " + id
			}, dryRun)
		},
	}
	cmd.Flags().StringVar(&ifMatch, "if-match", "", `only if the model's current ETag is this one ("*": only if it exists)`)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "let sie-config check the delete; change nothing")
	return cmd
}

func dryRunQuery(dryRun bool) string {
	if dryRun {
		return "?dry_run=true"
	}
	return ""
}

func preconditionHeader(etag string) map[string]string {
	if etag == "" {
		return nil
	}
	if etag != "*" && !strings.HasPrefix(etag, `"`) && !strings.HasPrefix(etag, `W/`) {
		etag = `"` + etag + `"`
	}
	return map[string]string{"If-Match": etag}
}

// writeResult prints a write's answer: the server's JSON for -o, else one
// line (headline) with the epoch, warnings and the worker view.
func (o *options) writeResult(r response, headline func(map[string]any) string, dryRun bool) error {
	if !r.ok() {
		if o.output != "" {
			_ = o.print(serverJSON(r.body))
		}
		return serverError(r)
	}
	return o.printServerJSON(r.body, func(v any) {
		m, _ := v.(map[string]any)
		line := headline(m)
		if dryRun {
			line = "dry run: would be " + line + "; nothing was changed"
		}
		if e, ok := m["epoch"].(float64); ok {
			line += "  (epoch " + strconv.FormatInt(int64(e), 10) + ")"
		}
		fmt.Fprintln(o.stdout, line)
		for _, w := range anyStrings(m["warnings"]) {
			fmt.Fprintf(o.stdout, "  warning: %s\n", w)
		}
		if wv, ok := m["worker_view"].(map[string]any); ok && wv["form"] != "strict" {
			fmt.Fprintf(o.stdout, "  workers hold it as %v: %s\n", wv["form"], strings.Join(anyStrings(wv["reasons"]), "; "))
		}
		if h, ok := m["bundle_config_hashes"].(map[string]any); ok {
			bundles := make([]string, 0, len(h))
			for b := range h {
				bundles = append(bundles, b)
			}
			sort.Strings(bundles)
			for _, b := range bundles {
				fmt.Fprintf(o.stdout, "  bundle %s: workers will report bundle_config_hash %v\n", b, orDash(h[b]))
			}
		}
	})
}

func orDash(v any) any {
	if v == "" || v == nil {
		return "-"
	}
	return v
}

func anyStrings(v any) []string {
	raw, _ := v.([]any)
	out := make([]string, 0, len(raw))
	for _, x := range raw {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func epochCommand(o *options) *cobra.Command {
	var after int64
	var wait string
	cmd := &cobra.Command{
		Use:   "epoch [--after N [--wait D]]",
		Short: "Print sie-config's epoch; --after N waits until it passes N",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path := "/v1/configs/epoch"
			if cmd.Flags().Changed("after") {
				path += "?after=" + strconv.FormatInt(after, 10)
				if wait != "" {
					path += "&wait=" + wait
				}
			}
			r, err := o.getConfig(cmd.Context(), path)
			if err != nil {
				return err
			}
			return o.printServerJSON(r.body, func(v any) {
				var e struct {
					Epoch       int64  `json:"epoch"`
					BundlesHash string `json:"bundles_hash"`
				}
				_ = json.Unmarshal(r.body, &e)
				fmt.Fprintf(o.stdout, "epoch %d  (bundles_hash %s)\n", e.Epoch, orDash(e.BundlesHash))
			})
		},
	}
	cmd.Flags().Int64Var(&after, "after", 0, "wait until the epoch is greater than N")
	cmd.Flags().StringVar(&wait, "wait", "", "longest wait with --after (a duration such as 30s; at most 60s; default 30s)")
	return cmd
}
