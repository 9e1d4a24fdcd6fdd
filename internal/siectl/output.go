package siectl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/yamldoc"
)

// Output rules, shared by every command (status included):
//
//   - -o json and -o yaml print one schema per command, with the API's
//     snake_case keys: the value is encoded to JSON once (struct json tags,
//     *doc.Map order, or the server's own bytes) and YAML is made from that
//     JSON, so both formats always carry the same keys in the same order;
//   - a server's JSON answer printed as such is passed through unchanged;
//   - human mode (no -o) prints text, never raw JSON.

// serverJSON marks a server's JSON body that -o json prints unchanged.
type serverJSON []byte

// print writes v as JSON or YAML per -o (JSON when -o is unset).
func (o *options) print(v any) error {
	data, raw, err := encodeJSON(v)
	if err != nil {
		return err
	}
	return o.printJSONBytes(data, raw)
}

// emit prints v for -o json / -o yaml, or calls human otherwise.
func (o *options) emit(v any, human func(w io.Writer)) error {
	if o.output == "" {
		human(o.stdout)
		return nil
	}
	return o.print(v)
}

// printServerJSON prints a server JSON body: as is for -o json, converted
// for -o yaml, or through human() by default.
func (o *options) printServerJSON(body []byte, human func(v any)) error {
	if o.output != "" {
		return o.print(serverJSON(body))
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("unreadable answer from the server: %w", err)
	}
	human(v)
	return nil
}

// encodeJSON encodes v once; raw reports a server body kept as is.
func encodeJSON(v any) (data []byte, raw bool, err error) {
	switch t := v.(type) {
	case serverJSON:
		return bytes.TrimSpace(t), true, nil
	case *doc.Map:
		return canonjson.Ordered(t), false, nil
	}
	data, err = json.Marshal(v)
	return data, false, err
}

func (o *options) printJSONBytes(data []byte, raw bool) error {
	if o.output == "yaml" {
		v, err := decodeOrdered(data)
		if err != nil {
			return err
		}
		_, err = o.stdout.Write(yamldoc.EmitValue(v))
		return err
	}
	if !raw {
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, data, "", "  "); err == nil {
			data = pretty.Bytes()
		}
	}
	_, err := fmt.Fprintln(o.stdout, string(data))
	return err
}

// decodeOrdered reads JSON into document values (*doc.Map keeps key order):
// integers as int64, other numbers as float64.
func decodeOrdered(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			list := []any{}
			for dec.More() {
				item, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				list = append(list, item)
			}
			_, err := dec.Token()
			return list, err
		}
		m := doc.NewMap()
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			m.Set(k.(string), v)
		}
		_, err := dec.Token()
		return m, err
	case json.Number:
		if n, err := strconv.ParseInt(t.String(), 10, 64); err == nil {
			return n, nil
		}
		return t.Float64()
	}
	return tok, nil
}
