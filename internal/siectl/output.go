package siectl

import (
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"
)

// print writes v as JSON or YAML per -o.
func (o *options) print(v any) error {
	if o.output == "yaml" {
		out, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		_, err = o.stdout.Write(out)
		return err
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(o.stdout, string(out))
	return err
}

// printServerJSON prints a server JSON body: as is for -o json, converted
// for -o yaml, or through human() by default.
func (o *options) printServerJSON(body []byte, human func(v any)) error {
	switch o.output {
	case "json":
		_, err := fmt.Fprintln(o.stdout, string(body))
		return err
	case "yaml":
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return err
		}
		return o.print(v)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	human(v)
	return nil
}
