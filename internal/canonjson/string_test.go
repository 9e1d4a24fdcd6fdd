package canonjson

import "testing"

func TestAppendString(t *testing.T) {
	tests := []struct {
		in, python, orjs string
	}{
		{"plain", `"plain"`, `"plain"`},
		{`q"b\s`, `"q\"b\\s"`, `"q\"b\\s"`},
		{"\b\t\n\f\r", `"\b\t\n\f\r"`, `"\b\t\n\f\r"`},
		{"\x00\x01\x1f", `"\u0000\u0001\u001f"`, `"\u0000\u0001\u001f"`},
		{"\x7f", `"\u007f"`, "\"\x7f\""},
		{"</a>&/", `"</a>&/"`, `"</a>&/"`},
		{"café", `"caf\u00e9"`, `"café"`},
		{"\u2028\u2029", `"\u2028\u2029"`, "\"\u2028\u2029\""},
		{"😀", `"\ud83d\ude00"`, `"😀"`},
		{"Привет", `"\u041f\u0440\u0438\u0432\u0435\u0442"`, `"Привет"`},
		{"\xff", `"\ufffd"`, "\"\uFFFD\""},
		{"a\xe2\x82", `"a\ufffd\ufffd"`, "\"a\uFFFD\uFFFD\""},
		{"", `""`, `""`},
	}
	for _, tt := range tests {
		if got := string(AppendString(nil, tt.in, PythonASCII)); got != tt.python {
			t.Errorf("%q python-ascii: got %s want %s", tt.in, got, tt.python)
		}
		if got := string(AppendString(nil, tt.in, ORJSON)); got != tt.orjs {
			t.Errorf("%q orjson: got %s want %s", tt.in, got, tt.orjs)
		}
	}
}

func BenchmarkAppendStringASCII(b *testing.B) {
	s := "sie_server.adapters.sentence_transformer:SentenceTransformerAdapter"
	buf := make([]byte, 0, 128)
	for b.Loop() {
		buf = AppendString(buf[:0], s, PythonASCII)
	}
}
