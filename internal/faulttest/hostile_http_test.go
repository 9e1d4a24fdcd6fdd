package faulttest

import (
	"fmt"
	"strings"
)

// httpCase is one hostile request and the documented answer.
type httpCase struct {
	name   string
	method string
	path   string
	body   []byte
	header []string
	want   int    // exact status
	code   string // sie-config detail.error; "" = not checked
}

const validProfile = "profiles:\n  default:\n    adapter_path: " + adapterDefault + "\n    max_batch_tokens: 1\n"

// billionLaughs nests nine levels of nine aliases: 9^9 nodes when expanded.
func billionLaughs() []byte {
	var b strings.Builder
	b.WriteString("sie_id: hostile/lol\n" + validProfile)
	b.WriteString(`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	prev := "a"
	for _, c := range "bcdefghi" {
		fmt.Fprintf(&b, "%c: &%c [%s]\n", c, c, strings.TrimSuffix(strings.Repeat("*"+prev+",", 9), ","))
		prev = string(c)
	}
	return []byte(b.String())
}

// padded is a valid new-model body padded with a comment to exactly n bytes.
func padded(id string, n int) []byte {
	head := "sie_id: " + id + "\n" + validProfile + "#"
	return []byte(head + strings.Repeat("x", n-len(head)))
}

// configCorpus is the hostile HTTP input for sie-config. Every case must get
// its documented 4xx and change nothing.
func configCorpus() []httpCase {
	const models = "/v1/configs/models"
	post := func(name string, body []byte, want int, code string) httpCase {
		return httpCase{name: name, method: "POST", path: models, body: body, want: want, code: code}
	}
	yaml := func(s string) []byte { return []byte(s) }
	deepFlow := "sie_id: hostile/deep\nx: " + strings.Repeat("[", 150) + strings.Repeat("]", 150) + "\n"
	var deepBlock strings.Builder
	deepBlock.WriteString("sie_id: hostile/deep\n")
	for i := range 150 {
		fmt.Fprintf(&deepBlock, "%sk%d:\n", strings.Repeat("  ", i), i)
	}
	deepBlock.WriteString(strings.Repeat("  ", 150) + "v: 1\n")

	cases := []httpCase{
		post("billion laughs", billionLaughs(), 400, "parse_error"),
		post("quadratic alias bomb", quadraticBomb("hostile/quad", 2000, 9000), 400, "parse_error"),
		post("1 MiB + 1 byte", padded("hostile/big", 1<<20+1), 413, "payload_too_large"),
		// Exactly at the limit the size check passes and parsing decides.
		post("exactly 1 MiB, no profiles", []byte("sie_id: hostile/exact\n#"+strings.Repeat("x", 1<<20-23)), 422, "validation_error"),
		post("deep flow nesting", yaml(deepFlow), 400, "parse_error"),
		post("deep block nesting", yaml(deepBlock.String()), 400, "parse_error"),
		post("100k open brackets", yaml("sie_id: hostile/b\nx: "+strings.Repeat("[", 100000)), 400, "parse_error"),
		post("invalid UTF-8", []byte("sie_id: hostile/\xff\xfe\n"+validProfile), 400, "parse_error"),
		post("NUL byte", []byte("sie_id: \"a\\0b\"\n"+validProfile), 400, "invalid_model_id"),
		post("sie_id ../etc", yaml("sie_id: ../etc\n"+validProfile), 400, "invalid_model_id"),
		post("sie_id %2e%2e/x", yaml("sie_id: '%2e%2e/x'\n"+validProfile), 400, "invalid_model_id"),
		post("sie_id a/../../b", yaml("sie_id: a/../../b\n"+validProfile), 400, "invalid_model_id"),
		post("sie_id with backslash", yaml("sie_id: 'a\\b'\n"+validProfile), 400, "invalid_model_id"),
		post("sie_id with __", yaml("sie_id: a__b\n"+validProfile), 400, "invalid_model_id"),
		post("sie_id trailing newline", yaml("sie_id: \"a/b\\n\"\n"+validProfile), 400, "invalid_model_id"),
		post("sie_id non-ASCII", yaml("sie_id: modèle\n"+validProfile), 400, "invalid_model_id"),
		post("sie_id integer", yaml("sie_id: 123\n"+validProfile), 422, "validation_error"),
		post("sie_id mapping", yaml("sie_id: {a: 1}\n"+validProfile), 422, "validation_error"),
		post("non-string key", yaml("sie_id: hostile/k\n1: x\n"+validProfile), 422, "validation_error"),
		post("integer profile name", yaml("sie_id: hostile/k\nprofiles:\n  1:\n    adapter_path: "+adapterDefault+"\n    max_batch_tokens: 1\n"), 422, "validation_error"),
		post("null key", yaml("sie_id: hostile/k\n~: x\n"+validProfile), 422, "validation_error"),
		post("huge int", yaml("sie_id: hostile/i\nprofiles:\n  default:\n    adapter_path: "+adapterDefault+"\n    max_batch_tokens: 99999999999999999999999\n"), 422, "validation_error"),
		post("huge negative int", yaml("sie_id: hostile/i\nn: -99999999999999999999999\n"+validProfile), 422, "validation_error"),
		post("ambiguous scalar", yaml("sie_id: hostile/a\nflag: yes\n"+validProfile), 422, "validation_error"),
		post("JSON 1e5", yaml(`{"sie_id": "hostile/j", "x": 1e5}`), 422, "validation_error"),
		post("python tag", yaml("sie_id: hostile/t\nx: !!python/object/apply:os.system ['true']\n"+validProfile), 400, "parse_error"),
		post("custom tag", yaml("sie_id: hostile/t\nx: !evil 1\n"+validProfile), 400, "parse_error"),
		post("duplicate keys", yaml("sie_id: hostile/d\nsie_id: hostile/e\n"+validProfile), 400, "parse_error"),
		post("two documents", yaml("sie_id: hostile/m\n---\nsie_id: hostile/n\n"), 400, "parse_error"),
		post("merge key", yaml("sie_id: hostile/m\nbase: &b {x: 1}\nk:\n  <<: *b\n"+validProfile), 422, "validation_error"),
		post("top-level list", yaml("- sie_id: hostile/l\n"), 400, "parse_error"),
		post("top-level scalar", yaml("hello"), 400, "parse_error"),
		post("empty body", nil, 400, "parse_error"),
		post("unknown adapter", yaml("sie_id: hostile/u\nprofiles:\n  default:\n    adapter_path: os.system:X\n    max_batch_tokens: 1\n"), 422, "validation_error"),
		post("profiles not a mapping", yaml("sie_id: hostile/p\nprofiles: [1, 2]\n"), 422, "validation_error"),
		post("adapter_path integer", yaml("sie_id: hostile/p\nprofiles:\n  default:\n    adapter_path: 5\n    max_batch_tokens: 1\n"), 422, "validation_error"),
		post("conflicting seed metadata", yaml("sie_id: BAAI/bge-m3\nhf_id: evil/weights\n"+strings.Replace(validProfile, "default", "evil", 1)), 409, "content_conflict"),
		{name: "8 KiB idempotency key", method: "POST", path: models, body: yaml("sie_id: ../x\n"), header: []string{"Idempotency-Key", strings.Repeat("k", 8192)}, want: 400, code: "invalid_idempotency_key"},
		{name: "128 KiB header", method: "GET", path: "/v1/configs/epoch", header: []string{"X-Junk", strings.Repeat("j", 128<<10)}, want: 431},
		{name: "non-ASCII bearer", method: "POST", path: models, body: yaml("sie_id: ../x\n"), header: []string{"Authorization", "Bearer t\u00f6ken"}, want: 400, code: "invalid_model_id"},
		{name: "PUT id mismatch", method: "PUT", path: models + "/hostile/a", body: yaml("sie_id: hostile/b\n" + validProfile), want: 422, code: "validation_error"},
		{name: "PUT body too large", method: "PUT", path: models + "/hostile/a", body: padded("hostile/a", 1<<20+1), want: 413, code: "payload_too_large"},
		{name: "DELETE body too large", method: "DELETE", path: models + "/BAAI/bge-m3", body: padded("x", 1<<20+1), want: 413, code: "payload_too_large"},
		{name: "DELETE unknown", method: "DELETE", path: models + "/hostile/none", want: 404, code: "model_not_found"},
		{name: "PATCH", method: "PATCH", path: models + "/BAAI/bge-m3", body: yaml("x: 1"), want: 405},
		{name: "resolve non-object", method: "POST", path: "/v1/configs/resolve", body: yaml("[]"), want: 400, code: "parse_error"},
		{name: "resolve model not a string", method: "POST", path: "/v1/configs/resolve", body: yaml(`{"model": 5}`), want: 400, code: "invalid_model_spec"},
		{name: "resolve invalid UTF-8", method: "POST", path: "/v1/configs/resolve", body: []byte("{\"model\": \"\xff\"}"), want: 400, code: "parse_error"},
		{name: "resolve deep JSON", method: "POST", path: "/v1/configs/resolve", body: yaml(strings.Repeat("[", 100000)), want: 400, code: "parse_error"},
		{name: "resolve 2 MiB", method: "POST", path: "/v1/configs/resolve", body: yaml(`{"model":"` + strings.Repeat("a", 2<<20) + `"}`), want: 413, code: "payload_too_large"},
		{name: "status suffix", method: "GET", path: models + "/BAAI/bge-m3/status", want: 400, code: "invalid_model_id"},
		{name: "long unknown id", method: "GET", path: models + "/" + strings.Repeat("a", 16000), want: 400, code: "invalid_model_id"},
		{name: "injective names", method: "POST", path: models, body: yaml("sie_id: coll/_x\n" + validProfile), want: 400, code: "invalid_model_id"},
		{name: "resolve duplicate key", method: "POST", path: "/v1/configs/resolve", body: yaml(`{"model":"BAAI/bge-m3","model":"x"}`), want: 400, code: "parse_error"},
	}
	for _, p := range []string{"../etc", "%2e%2e/x", "a/../../b", "%2E%2E%2Fetc", "..%2Fetc", "a%00b", "/etc", "a%5Cb"} {
		for _, m := range []string{"GET", "PUT", "DELETE"} {
			var body []byte
			if m == "PUT" {
				body = yaml("sie_id: x\n" + validProfile)
			}
			cases = append(cases, httpCase{name: m + " path " + p, method: m, path: models + "/" + p, body: body, want: 400, code: "invalid_model_id"})
		}
	}
	return cases
}

// gatewayCorpus is hostile HTTP input for a gateway (sie-gateway.md §4).
func gatewayCorpus() []httpCase {
	const models = "/v1/configs/models"
	json := []string{"Content-Type", "application/json"}
	cases := []httpCase{
		{name: "POST models", method: "POST", path: models, body: []byte("sie_id: x\n"), want: 405},
		{name: "PUT model", method: "PUT", path: models + "/BAAI/bge-m3", body: []byte("sie_id: x\n"), want: 405},
		{name: "DELETE model", method: "DELETE", path: models + "/BAAI/bge-m3", want: 405},
		{name: "export", method: "GET", path: "/v1/configs/export", want: 404},
		{name: "unknown status", method: "GET", path: models + "/hostile/none/status", want: 404},
		{name: "long id", method: "GET", path: models + "/" + strings.Repeat("a", 16000), want: 400},
		{name: "resolve duplicate key", method: "POST", path: "/v1/configs/resolve", body: []byte(`{"model":"BAAI/bge-m3","model":"x"}`), header: []string{"Content-Type", "application/json"}, want: 400},
		{name: "bundle traversal", method: "GET", path: "/v1/configs/bundles/..%2Fdefault", want: 404},
		{name: "resolve no content type", method: "POST", path: "/v1/configs/resolve", body: []byte(`{"model":"BAAI/bge-m3"}`), want: 415},
		{name: "resolve malformed", method: "POST", path: "/v1/configs/resolve", body: []byte("not json"), header: json, want: 400},
		{name: "resolve invalid UTF-8", method: "POST", path: "/v1/configs/resolve", body: []byte("{\"model\":\"\xff\"}"), header: json, want: 400},
		{name: "resolve deep JSON", method: "POST", path: "/v1/configs/resolve", body: []byte(strings.Repeat("[", 100000)), header: json, want: 400},
		{name: "resolve non-object", method: "POST", path: "/v1/configs/resolve", body: []byte("[]"), header: json, want: 422},
		{name: "resolve model integer", method: "POST", path: "/v1/configs/resolve", body: []byte(`{"model":5}`), header: json, want: 422},
		{name: "resolve empty prefix", method: "POST", path: "/v1/configs/resolve", body: []byte(`{"model":":/x"}`), header: json, want: 400},
		{name: "resolve 3 MiB", method: "POST", path: "/v1/configs/resolve", body: []byte(`{"model":"` + strings.Repeat("a", 3<<20) + `"}`), header: json, want: 413},
	}
	for _, p := range []string{"../etc", "%2e%2e/x", "a/../../b", "a%00b"} {
		cases = append(cases, httpCase{name: "GET path " + p, method: "GET", path: models + "/" + p, want: 404})
	}
	return cases
}
