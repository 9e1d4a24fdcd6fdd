package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/strictjson"
)

// decodeJSONDocument reads a JSON object into an ordered document. It is the
// export's model_config fallback: sie-config writes that object in document
// order, and the mirror keeps the order. Numbers with a fraction or exponent
// are floats, others int64; an integer outside int64 is an error, as the
// YAML guard makes it for YAML.
func decodeJSONDocument(raw []byte) (*doc.Map, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := decodeJSONValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the JSON value")
	}
	m, ok := v.(*doc.Map)
	if !ok {
		return nil, errors.New("model_config is not an object")
	}
	return m, nil
}

func decodeJSONValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := doc.NewMap()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				if m.Has(key) {
					return nil, &strictjson.DuplicateKeyError{Key: key}
				}
				v, err := decodeJSONValue(dec)
				if err != nil {
					return nil, err
				}
				m.Set(key, v)
			}
			_, err := dec.Token() // '}'
			return m, err
		case '[':
			list := []any{}
			for dec.More() {
				v, err := decodeJSONValue(dec)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			_, err := dec.Token() // ']'
			return list, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case json.Number:
		s := t.String()
		if strings.ContainsAny(s, ".eE") {
			return strconv.ParseFloat(s, 64)
		}
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("integer %s is outside the signed 64-bit range", s)
		}
		return i, nil
	default:
		return t, nil // nil, bool or string
	}
}
