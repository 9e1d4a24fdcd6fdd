package siectl

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/sieproject/sie/internal/yamldoc"
)

func diffCommand(o *options) *cobra.Command {
	var file string
	var prune bool
	cmd := &cobra.Command{
		Use:   "diff -f FILE|DIR [--prune]",
		Short: "Show how model documents differ from sie-config's (exit 1 on any difference)",
		Long: `diff compares local model documents with the ones sie-config serves, by value
(key order, comments and quoting do not count), and prints a unified diff of
both in a normalised form. With --prune, API models missing from DIR count
as differences, as apply --prune would delete them. Exit status: 0 no
difference, 1 differences, 2 trouble (bad files, sie-config unreachable).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			files, err := readModelFiles(file)
			if err != nil {
				return usage("%v", err)
			}
			locals, err := parseLocal(files)
			if err != nil {
				return asTrouble(err)
			}
			st, err := o.fetchState(cmd.Context())
			if err != nil {
				return asTrouble(err)
			}
			return o.diff(makePlan(locals, st, prune))
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "model YAML file, or a directory of them")
	cmd.Flags().BoolVar(&prune, "prune", false, "also report API models that DIR does not contain")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

// asTrouble gives diff's "trouble" exit status 2 to an error.
func asTrouble(err error) error {
	if ee, ok := err.(*ExitError); ok {
		return &ExitError{Code: 2, Err: ee.Err}
	}
	return &ExitError{Code: 2, Err: err}
}

// diffItem is one model in diff's -o json / -o yaml output.
type diffItem struct {
	ModelID string   `json:"model_id"`
	File    *string  `json:"file"`
	State   string   `json:"state"` // same | different | missing_on_server | only_on_server
	Changes docDelta `json:"changes"`
	Diff    string   `json:"diff"`
}

func (o *options) diff(plan []action) error {
	items := make([]diffItem, 0, len(plan))
	differ := 0
	for _, a := range plan {
		it := diffItem{ModelID: a.id, Changes: a.delta.orEmpty()}
		var before, after, nameA, nameB string
		if a.server != nil {
			before, nameA = normalised(a.server), "sie-config "+a.id
		} else {
			nameA = "/dev/null"
		}
		if a.local != nil {
			f := a.local.file
			it.File = &f
			after, nameB = string(yamldoc.Emit(a.local.doc)), f
		} else {
			nameB = "/dev/null"
		}
		switch a.kind {
		case actUnchanged:
			it.State = "same"
		case actCreate:
			it.State = "missing_on_server"
		case actDelete:
			it.State = "only_on_server"
		default:
			it.State = "different"
		}
		if it.State != "same" {
			differ++
			it.Diff = unifiedDiff(before, after, nameA, nameB)
		}
		items = append(items, it)
	}
	err := o.emit(items, func(w io.Writer) {
		for _, it := range items {
			switch it.State {
			case "same":
				continue
			case "missing_on_server":
				fmt.Fprintf(w, "%s: not on sie-config (apply creates it)\n", it.ModelID)
			case "only_on_server":
				fmt.Fprintf(w, "%s: only on sie-config (apply --prune deletes it)\n", it.ModelID)
			default:
				fmt.Fprintf(w, "%s: differs  %s\n", it.ModelID, it.Changes.summary())
			}
			fmt.Fprint(w, it.Diff)
		}
		if differ == 0 {
			fmt.Fprintf(w, "No differences (%d model(s) compared).\n", len(items))
		} else {
			fmt.Fprintf(w, "%d of %d model(s) differ.\n", differ, len(items))
		}
	})
	if err != nil {
		return err
	}
	if differ > 0 {
		return &ExitError{Code: 1, Err: fmt.Errorf("%d model(s) differ", differ)}
	}
	return nil
}

// normalised is the server document in the emitted form the local side
// uses, so only real differences show; the raw text when it does not parse.
func normalised(s *serverModel) string {
	if s.doc == nil {
		return s.text
	}
	return string(yamldoc.Emit(s.doc))
}
