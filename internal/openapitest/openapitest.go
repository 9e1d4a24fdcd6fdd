// Package openapitest checks an OpenAPI 3.1 document against the routes a
// service's code registers, for the route tests of each service.
package openapitest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Operation is one method on one OpenAPI path ("GET /v1/configs/epoch").
type Operation struct{ Method, Path string }

func (o Operation) String() string { return o.Method + " " + o.Path }

var methods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

// Operations lists the document's operations and checks its shape: OpenAPI
// 3.1, every operation with responses, every $ref resolvable.
func Operations(document []byte) ([]Operation, error) {
	var d map[string]any
	if err := json.Unmarshal(document, &d); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if v, _ := d["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		return nil, fmt.Errorf("openapi is %q, want 3.1.x", v)
	}
	if err := checkRefs(d, d); err != nil {
		return nil, err
	}
	paths, _ := d["paths"].(map[string]any)
	var out []Operation
	for path, item := range paths {
		ops, _ := item.(map[string]any)
		for _, m := range methods {
			op, ok := ops[m].(map[string]any)
			if !ok {
				continue
			}
			if r, _ := op["responses"].(map[string]any); len(r) == 0 {
				return nil, fmt.Errorf("%s %s has no responses", strings.ToUpper(m), path)
			}
			out = append(out, Operation{strings.ToUpper(m), path})
		}
	}
	Sort(out)
	return out, nil
}

func checkRefs(root map[string]any, v any) error {
	switch t := v.(type) {
	case map[string]any:
		if ref, ok := t["$ref"].(string); ok {
			if !resolves(root, ref) {
				return fmt.Errorf("unresolved $ref %s", ref)
			}
		}
		for _, x := range t {
			if err := checkRefs(root, x); err != nil {
				return err
			}
		}
	case []any:
		for _, x := range t {
			if err := checkRefs(root, x); err != nil {
				return err
			}
		}
	}
	return nil
}

func resolves(root map[string]any, ref string) bool {
	if !strings.HasPrefix(ref, "#/") {
		return false
	}
	var cur any = root
	for _, part := range strings.Split(ref[2:], "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[part]; !ok {
			return false
		}
	}
	return true
}

// Sort orders operations by path, then method.
func Sort(ops []Operation) {
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})
}

// Compare reports the operations only in code and only in the document.
func Compare(code, document []Operation) (onlyCode, onlyDoc []Operation) {
	in := func(list []Operation, o Operation) bool {
		for _, x := range list {
			if x == o {
				return true
			}
		}
		return false
	}
	for _, o := range code {
		if !in(document, o) {
			onlyCode = append(onlyCode, o)
		}
	}
	for _, o := range document {
		if !in(code, o) {
			onlyDoc = append(onlyDoc, o)
		}
	}
	return onlyCode, onlyDoc
}
