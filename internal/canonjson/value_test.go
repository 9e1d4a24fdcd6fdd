package canonjson

import (
	"math"
	"math/big"
	"testing"

	"github.com/sieproject/sie/internal/doc"
)

func sample() *doc.Map {
	return doc.NewMap(
		doc.Entry{Key: "z", Value: int64(1)},
		doc.Entry{Key: "é", Value: "x"},
		doc.Entry{Key: "B", Value: []any{1.0, nil, true, false, doc.NewMap()}},
		doc.Entry{Key: "_", Value: doc.NewMap(
			doc.Entry{Key: "b", Value: 1e-5},
			doc.Entry{Key: "a", Value: []any{}},
		)},
	)
}

func TestAppendCanonical(t *testing.T) {
	m := sample()
	if got, want := string(Canonical(m, PythonASCII)),
		`{"B":[1.0,null,true,false,{}],"_":{"a":[],"b":1e-05},"z":1,"\u00e9":"x"}`; got != want {
		t.Errorf("python-ascii:\n got %s\nwant %s", got, want)
	}
	if got, want := string(Canonical(m, ORJSON)),
		`{"B":[1.0,null,true,false,{}],"_":{"a":[],"b":0.00001},"z":1,"é":"x"}`; got != want {
		t.Errorf("orjson:\n got %s\nwant %s", got, want)
	}
	// The input map keeps its document order.
	if k := m.Keys(); k[0] != "z" || k[3] != "_" {
		t.Errorf("input reordered: %v", k)
	}
}

func TestAppendCanonicalLargeMap(t *testing.T) {
	m := doc.NewMap()
	for _, k := range []string{"q", "w", "e", "r", "t", "y", "u", "i", "o", "p", "a", "s", "d", "f", "g", "h", "j", "k", "l"} {
		m.Set(k, k)
	}
	want := `{"a":"a","d":"d","e":"e","f":"f","g":"g","h":"h","i":"i","j":"j","k":"k","l":"l","o":"o","p":"p","q":"q","r":"r","s":"s","t":"t","u":"u","w":"w","y":"y"}`
	if got := string(Canonical(m, ORJSON)); got != want {
		t.Errorf("got %s", got)
	}
}

func TestAppendOrdered(t *testing.T) {
	m := doc.NewMap(
		doc.Entry{Key: "router_id", Value: "r/1"},
		doc.Entry{Key: "epoch", Value: int64(6)},
		doc.Entry{Key: "ratio", Value: math.NaN()},
		doc.Entry{Key: "text", Value: "café\n<&>"},
		doc.Entry{Key: "list", Value: []string{"b", "a"}},
		doc.Entry{Key: "nil_list", Value: []string(nil)},
		doc.Entry{Key: "go", Value: map[string]any{"y": 2, "x": uint64(1)}},
		doc.Entry{Key: "raw", Value: Raw(`{"k":1}`)},
		doc.Entry{Key: "big", Value: new(big.Int).Lsh(big.NewInt(1), 70)},
	)
	want := `{"router_id":"r/1","epoch":6,"ratio":null,"text":"café\n<&>","list":["b","a"],"nil_list":[],"go":{"x":1,"y":2},"raw":{"k":1},"big":1180591620717411303424}`
	if got := string(Ordered(m)); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
}

func TestUnsupportedTypePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for an unsupported type")
		}
	}()
	Canonical(struct{}{}, ORJSON)
}
