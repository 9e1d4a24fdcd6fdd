package siectl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func getCommand(o *options) *cobra.Command {
	cmd := &cobra.Command{Use: "get", Short: "Read models and bundles from sie-config"}
	cmd.AddCommand(
		&cobra.Command{
			Use: "models", Short: "List models", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return o.getJSON(cmd, "/v1/configs/models", o.humanModels)
			},
		},
		&cobra.Command{
			Use: "bundles", Short: "List bundles", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return o.getJSON(cmd, "/v1/configs/bundles", o.humanBundles)
			},
		},
		&cobra.Command{
			Use: "model ID", Short: "Print one model's document (YAML)", Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error { return o.getModel(cmd, args[0]) },
		},
	)
	return cmd
}

func (o *options) getJSON(cmd *cobra.Command, path string, human func(any)) error {
	r, err := o.configClient().do(cmd.Context(), http.MethodGet, path, nil, nil)
	if err != nil {
		return failed("%v", err)
	}
	if !r.ok() {
		return serverError(r)
	}
	return o.printServerJSON(r.body, human)
}

// getModel prints the document; -o json converts it.
func (o *options) getModel(cmd *cobra.Command, id string) error {
	r, err := o.configClient().do(cmd.Context(), http.MethodGet, modelPath(id), nil, nil)
	if err != nil {
		return failed("%v", err)
	}
	if !r.ok() {
		return serverError(r)
	}
	if o.output == "json" {
		d, err := parseForOutput(r.body)
		if err != nil {
			return failed("%v", err)
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
		Use: "export", Short: "Print sie-config's snapshot (JSON)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := o.configClient().do(cmd.Context(), http.MethodGet, "/v1/configs/export", nil, nil)
			if err != nil {
				return failed("%v", err)
			}
			if !r.ok() {
				return serverError(r)
			}
			if o.output == "yaml" {
				return o.printServerJSON(r.body, nil)
			}
			var pretty bytes.Buffer
			if json.Indent(&pretty, r.body, "", "  ") != nil || o.output == "json" {
				_, err = fmt.Fprintln(o.stdout, string(r.body))
				return err
			}
			_, err = fmt.Fprintln(o.stdout, pretty.String())
			return err
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
