package siectl

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/sieproject/sie/internal/yamldoc"
)

func getCommand(o *options) *cobra.Command {
	cmd := &cobra.Command{Use: "get", Short: "Read models and bundles from sie-config"}
	cmd.AddCommand(
		&cobra.Command{
			Use: "models", Short: "List models", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return o.getJSON(cmd.Context(), "/v1/configs/models", o.humanModels)
			},
		},
		&cobra.Command{
			Use: "model ID", Short: "Print one model's document", Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return o.getYAML(cmd.Context(), modelPath(args[0]))
			},
		},
		&cobra.Command{
			Use: "bundles", Short: "List bundles", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return o.getJSON(cmd.Context(), "/v1/configs/bundles", o.humanBundles)
			},
		},
		&cobra.Command{
			Use: "bundle ID", Short: "Print one bundle (name, priority, adapters)", Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return o.getYAML(cmd.Context(), "/v1/configs/bundles/"+url.PathEscape(args[0]))
			},
		},
	)
	return cmd
}

func (o *options) getJSON(ctx context.Context, path string, human func(any)) error {
	r, err := o.getConfig(ctx, path)
	if err != nil {
		return err
	}
	return o.printServerJSON(r.body, human)
}

// getYAML prints a YAML answer: as served for human and -o yaml output,
// converted (same keys, same order) for -o json.
func (o *options) getYAML(ctx context.Context, path string) error {
	r, err := o.getConfig(ctx, path)
	if err != nil {
		return err
	}
	if o.output == "json" {
		d, err := yamldoc.Parse(r.body)
		if err != nil {
			return failed("unreadable answer from sie-config: %v", err)
		}
		return o.print(d)
	}
	_, err = o.stdout.Write(r.body)
	return err
}

func (o *options) humanModels(v any) {
	w := tabwriter.NewWriter(o.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "MODEL\tSOURCE\tPROFILES")
	for _, m := range items(v, "models") {
		fmt.Fprintf(w, "%s\t%s\t%s\n", m["model_id"], m["source"], joinAny(m["profiles"]))
	}
	w.Flush()
}

func (o *options) humanBundles(v any) {
	w := tabwriter.NewWriter(o.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "BUNDLE\tPRIORITY\tADAPTERS")
	for _, b := range items(v, "bundles") {
		fmt.Fprintf(w, "%s\t%v\t%v\n", b["bundle_id"], b["priority"], b["adapter_count"])
	}
	w.Flush()
}

func exportCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "export",
		Short: "Print sie-config's snapshot (-o json for a backup; the default is a summary)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := o.getConfig(cmd.Context(), "/v1/configs/export")
			if err != nil {
				return err
			}
			return o.printServerJSON(r.body, func(v any) {
				m, _ := v.(map[string]any)
				models := items(v, "models")
				fmt.Fprintf(o.stdout, "epoch %v, %d model(s), generated at %v\n", m["epoch"], len(models), m["generated_at"])
				w := tabwriter.NewWriter(o.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "MODEL\tBUNDLES")
				for _, x := range models {
					fmt.Fprintf(w, "%s\t%s\n", x["model_id"], joinAny(x["affected_bundles"]))
				}
				w.Flush()
				fmt.Fprintln(o.stdout, "(siectl export -o json prints the whole snapshot)")
			})
		},
	}
}

func resolveCommand(o *options) *cobra.Command {
	var bundle string
	cmd := &cobra.Command{
		Use: "resolve MODEL", Short: "Resolve [bundle:/]model to the bundle that serves it", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := map[string]any{"model": args[0]}
			if cmd.Flags().Changed("bundle") {
				req["bundle"] = bundle
			}
			body, _ := json.Marshal(req)
			r, err := o.configClient().do(cmd.Context(), http.MethodPost, "/v1/configs/resolve", body, map[string]string{"Content-Type": "application/json"})
			if err != nil {
				return failed("%v", err)
			}
			if !r.ok() {
				return serverError(r)
			}
			return o.printServerJSON(r.body, func(v any) {
				m, _ := v.(map[string]any)
				fmt.Fprintf(o.stdout, "%s → %s (compatible: %s; profiles: %s)\n", m["model"], m["resolved_bundle"], joinAny(m["compatible_bundles"]), joinAny(m["profiles"]))
			})
		},
	}
	cmd.Flags().StringVar(&bundle, "bundle", "", "bundle override")
	return cmd
}

func items(v any, key string) []map[string]any {
	m, _ := v.(map[string]any)
	raw, _ := m[key].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, it := range raw {
		if mm, ok := it.(map[string]any); ok {
			out = append(out, mm)
		}
	}
	return out
}

func joinAny(v any) string {
	raw, _ := v.([]any)
	s := make([]string, 0, len(raw))
	for _, x := range raw {
		s = append(s, fmt.Sprint(x))
	}
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ",")
}
