package openapitest

import (
	"strings"
	"testing"
)

func TestOperationsAndCompare(t *testing.T) {
	doc := `{"openapi":"3.1.0","paths":{"/a":{"parameters":[],"get":{"responses":{"200":{"$ref":"#/components/responses/ok"}}}},"/b/{id}":{"put":{"responses":{"200":{}}}}},"components":{"responses":{"ok":{}}}}`
	ops, err := Operations([]byte(doc))
	if err != nil || len(ops) != 2 || ops[0].String() != "GET /a" || ops[1].String() != "PUT /b/{id}" {
		t.Fatalf("%v %v", ops, err)
	}
	onlyCode, onlyDoc := Compare([]Operation{{"GET", "/a"}, {"POST", "/c"}}, ops)
	if len(onlyCode) != 1 || onlyCode[0].Path != "/c" || len(onlyDoc) != 1 || onlyDoc[0].Path != "/b/{id}" {
		t.Fatalf("compare: %v %v", onlyCode, onlyDoc)
	}
	for _, bad := range []string{
		`{"openapi":"3.0.0","paths":{}}`,
		`{"openapi":"3.1.0","paths":{"/a":{"get":{}}}}`,
		`{"openapi":"3.1.0","paths":{"/a":{"get":{"responses":{"200":{"$ref":"#/nowhere"}}}}}}`,
		`not json`,
	} {
		if _, err := Operations([]byte(bad)); err == nil {
			t.Fatalf("accepted %s", strings.TrimSpace(bad))
		}
	}
}
