package canonjson

import (
	"math"
	"strconv"
	"testing"

	"github.com/sieproject/sie/internal/testkit"
)

type floatCase struct {
	Bits       string `json:"bits"`
	PythonRepr string `json:"python_repr"`
	ORJSON     string `json:"orjson_3_11"`
}

func loadFloatVectors(t *testing.T) []floatCase {
	t.Helper()
	var file struct {
		Cases []floatCase `json:"cases"`
	}
	testkit.LoadVector(t, "float_format.json", &file)
	return file.Cases
}

func TestFormatFloatVectors(t *testing.T) {
	cases := loadFloatVectors(t)
	if len(cases) != 71 {
		t.Fatalf("got %d float vectors, want 71", len(cases))
	}
	for _, c := range cases {
		bits, err := strconv.ParseUint(c.Bits, 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		f := math.Float64frombits(bits)
		if got := FormatFloat(f, PythonASCII); got != c.PythonRepr {
			t.Errorf("%s python-ascii: got %q want %q", c.Bits, got, c.PythonRepr)
		}
		if got := FormatFloat(f, ORJSON); got != c.ORJSON {
			t.Errorf("%s orjson: got %q want %q", c.Bits, got, c.ORJSON)
		}
	}
}

func TestFormatFloatBoundaries(t *testing.T) {
	tests := []struct {
		f            float64
		python, orjs string
	}{
		{0.001, "0.001", "0.001"},
		{1.5e-5, "1.5e-05", "0.000015"},
		{1.5e-6, "1.5e-06", "1.5e-6"},
		{9.999999999999998e15, "9999999999999998.0", "9999999999999998.0"},
		{1.5e16, "1.5e+16", "1.5e+16"},
		{1e100, "1e+100", "1e+100"},
		{12.5, "12.5", "12.5"},
		{math.NaN(), "null", "null"},
		{math.Inf(-1), "null", "null"},
	}
	for _, tt := range tests {
		if got := FormatFloat(tt.f, PythonASCII); got != tt.python {
			t.Errorf("%v python-ascii: got %q want %q", tt.f, got, tt.python)
		}
		if got := FormatFloat(tt.f, ORJSON); got != tt.orjs {
			t.Errorf("%v orjson: got %q want %q", tt.f, got, tt.orjs)
		}
	}
}
