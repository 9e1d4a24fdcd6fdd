package configapi_test

// Fuzz targets for the HTTP entry points that parse client bodies: no
// input may produce a 5xx or escape as a panic (D3e).
//
//	go test -run '^$' -fuzz FuzzPostModel -fuzztime 30s ./internal/configapi/
//	go test -run '^$' -fuzz FuzzResolve -fuzztime 30s ./internal/configapi/

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// serve runs one request through the handler in-process (fast enough for
// fuzzing; panics are recovered by the handler into a counted 500).
func (e *env) serve(method, path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(string(body)))
	rec := httptest.NewRecorder()
	e.api.ServeHTTP(rec, req)
	return rec
}

func checkNo5xx(t *testing.T, rec *httptest.ResponseRecorder, body []byte) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%d %s for body %q", rec.Code, rec.Body.String(), body)
	}
	if rec.Header().Get("Content-Type") != "application/json" || !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("not a JSON answer: %q %s", rec.Header().Get("Content-Type"), rec.Body.String())
	}
	if rec.Code >= 400 && !strings.HasPrefix(rec.Body.String(), `{"detail":`) {
		t.Fatalf("error without the detail envelope: %s", rec.Body.String())
	}
}

func FuzzPostModel(f *testing.F) {
	for _, seed := range []string{
		newModel, docNE + sgProfile, seedTestModel, "", "\xff", "{{invalid",
		"sie_id: fz/m\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    x: yes\n",
		`{"sie_id":"fz/m","profiles":{"default":{"adapter_path":"sie_server.adapters.bert_flash:B","max_batch_tokens":1.0e+5}}}`,
		"sie_id: fz/m\nprofiles:\n  1:\n    adapter_path: 5\n",
		"a: &a [*a]\n", "a: &a [1]\nb: [*a, *a]\nsie_id: fz/m\n",
		"sie_id: fz/m\nprofiles:\n  default:\n    extends: x\n    adapter_path: ''\n",
		"sie_id: fz/m\nprofiles: {default: {adapter_path: sie_server.adapters.sglang:S}}\n",
		"sie_id: [fz]\n", "sie_id: a__b\n", "sie_id: fz/status\n", "!!binary aGk=\n",
		"sie_id: fz/m\nx: 99999999999999999999\n", "sie_id: fz/m\nx: .nan\nprofiles: {p: {adapter_path: sie_server.adapters.bert_flash}}\n",
	} {
		f.Add([]byte(seed))
	}
	e := newEnv(f, options{bundles: withSGLang(), models: seedOnly()})
	f.Fuzz(func(t *testing.T, body []byte) {
		checkNo5xx(t, e.serve("POST", "/v1/configs/models", body), body)
		checkNo5xx(t, e.serve("PUT", "/v1/configs/models/fz/m", body), body)
	})
}

func FuzzResolve(f *testing.F) {
	for _, seed := range []string{
		`{"model":"test/model"}`, `{"model":"SGLANG:/test/model"}`, `{"model":"test/model","bundle":"sglang"}`,
		`[1]`, `{"model":5}`, `{"model":null}`, `{"model":":/"}`, `{"bundle":{}}`, ``, `"x"`, "\xff",
		`{"model":"a","model":"b"}`, `{"model":"\ud800"}`, `{"model":"x"} trailing`, `1e999`, `{"model":"` + strings.Repeat("a", 300) + `"}`,
	} {
		f.Add([]byte(seed))
	}
	e := newEnv(f, options{bundles: withSGLang(), models: seedOnly()})
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := e.serve("POST", "/v1/configs/resolve", body)
		checkNo5xx(t, rec, body)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusNotFound, http.StatusConflict:
		default:
			t.Fatalf("unexpected status %d for %q", rec.Code, body)
		}
	})
}
