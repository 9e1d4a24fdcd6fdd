// Package strictjson finds what encoding/json silently accepts in a JSON
// text: a key repeated in one object (the decoder keeps the last). Bodies
// are judged like YAML documents, where a duplicate key is an error.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// DuplicateKeyError names the first key found twice in one object.
type DuplicateKeyError struct{ Key string }

func (e *DuplicateKeyError) Error() string {
	key := e.Key
	if len(key) > 64 {
		key = key[:64] + "…"
	}
	return fmt.Sprintf("duplicate key %q", key)
}

// CheckDuplicates scans one JSON value and reports the first object key
// that repeats (compared after unescaping, so "a" and "\u0061" are the
// same key). A syntax error is returned as encoding/json reports it. The
// scan is linear in the size of the text.
func CheckDuplicates(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := scanValue(dec); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			return errors.New("extra data after the JSON value")
		}
		return err
	}
	return nil
}

// scanValue consumes one value. Nesting is bounded by encoding/json (10,000
// levels), and by the callers' body limits.
func scanValue(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		seen := map[string]struct{}{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := kt.(string)
			if _, dup := seen[key]; dup {
				return &DuplicateKeyError{Key: key}
			}
			seen[key] = struct{}{}
			if err := scanValue(dec); err != nil {
				return err
			}
		}
	case '[':
		for dec.More() {
			if err := scanValue(dec); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}
