package configapi_test

// JSON encoding conventions (sie-config.md §0, §3.10, §3.11): compact,
// raw UTF-8, "/" and "<>&" unescaped, non-finite floats as null, bundle
// views with sorted keys and adapters in file order.

import (
	"strings"
	"testing"
)

func TestJSONEncoding(t *testing.T) {
	e := newEnv(t, options{})
	doc := "sie_id: enc/m\ndescription: \"é/<>&\\\"\\\\\\t\\u2028😀\"\nratio: .nan\nlimit: -.inf\nsmall: 1.0e-05\nbig: 1.0e+16\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n"
	expectStatus(t, e.post(doc), 201)
	r := e.get("/v1/configs/export")
	// Float text is not contractual for responses (only the value is):
	// accept Python's repr and orjson's form of 1e-05.
	body := strings.Replace(r.body, `"small":1e-05`, `"small":0.00001`, 1)
	want := `"model_config":{"sie_id":"enc/m","description":"é/<>&\"\\\t` + "\u2028😀" + `","ratio":null,"limit":null,"small":0.00001,"big":1e+16,"profiles":{"default":{"adapter_path":"sie_server.adapters.bert_flash:B"}}}`
	if r.status != 200 || !strings.Contains(body, want) {
		t.Fatalf("export %s lacks %s", r.body, want)
	}
}

func TestBundleViews(t *testing.T) {
	e := newEnv(t, options{bundles: map[string]string{
		"b.yaml": "name: zeta\npriority: 5\ndeps: [x]\ndefault: true\nadapters:\n- m.z\n- m.a\n- m.z\n",
		"a.yaml": "priority: 5\nadapters: []\n",
	}})
	// Bundle order: priority, then name; adapter_count counts duplicates.
	expect(t, e.get("/v1/configs/bundles"), 200, `{"bundles":[{"bundle_id":"a","priority":5,"adapter_count":0,"source":"filesystem"},{"bundle_id":"zeta","priority":5,"adapter_count":3,"source":"filesystem"}]}`)
	expect(t, e.get("/v1/configs/bundles/zeta"), 200, "adapters:\n- m.z\n- m.a\n- m.z\nname: zeta\npriority: 5\nsource: filesystem\n")
	expect(t, e.get("/v1/configs/bundles/a"), 200, "adapters: []\nname: a\npriority: 5\nsource: filesystem\n")
	expect(t, e.get("/v1/configs/bundles/b"), 404, `{"detail":{"error":"bundle_not_found","bundle_id":"b"}}`)
}
