package doc_test

import (
	"math"
	"testing"

	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/yamldoc"
)

func TestPackedRoundTrip(t *testing.T) {
	big := doc.NewMap()
	for i := range 40 {
		big.Set(string(rune('a'+i%26))+string(rune('A'+i/26)), int64(i))
	}
	values := []any{
		nil, true, false, int64(0), int64(-1), int64(math.MaxInt64), int64(math.MinInt64),
		0.0, math.Copysign(0, -1), 1.5, math.Inf(1), math.Inf(-1), math.NaN(), "", "héllo\x00",
		[]any{}, []any{nil, int64(1), "x", []any{1.0}},
		doc.NewMap(), big,
		doc.NewMap(doc.Entry{Key: "sie_id", Value: "a/b"}, doc.Entry{Key: "dup", Value: int64(1)}, doc.Entry{Key: "dup", Value: int64(2)},
			doc.Entry{Key: "profiles", Value: doc.NewMap(doc.Entry{Key: "default", Value: doc.NewMap(doc.Entry{Key: "adapter_path", Value: nil})})}),
	}
	for _, v := range values {
		p, ok := doc.Pack(v)
		if !ok {
			t.Fatalf("Pack(%#v) refused", v)
		}
		if got := p.Value(); !doc.Identical(v, got) {
			t.Fatalf("round trip of %#v gave %#v", v, got)
		}
	}
	if m := mustPack(t, big).Map(); m == nil || m.Len() != 40 {
		t.Fatalf("Map() = %v", m)
	}
	if m := mustPack(t, "scalar").Map(); m != nil {
		t.Fatalf("Map() of a scalar = %v", m)
	}
	if m := doc.Packed("").Map(); m != nil {
		t.Fatalf("Map() of nothing = %v", m)
	}
}

func mustPack(t *testing.T, v any) doc.Packed {
	t.Helper()
	p, ok := doc.Pack(v)
	if !ok {
		t.Fatalf("Pack(%#v) refused", v)
	}
	return p
}

// Values that are not document values are refused, not mangled.
func TestPackRefusesOtherTypes(t *testing.T) {
	for _, v := range []any{int(1), []string{"a"}, map[string]any{}, (*doc.Map)(nil), []any{doc.NewMap(doc.Entry{Key: "k", Value: uint8(1)})}} {
		if _, ok := doc.Pack(v); ok {
			t.Fatalf("Pack(%#v) accepted", v)
		}
	}
}

// A packed document is smaller than its tree: it is what registries hold.
func TestPackedIsCompact(t *testing.T) {
	text := "sie_id: a/b\nhf_id: a/b\ntasks:\n  encode:\n    dense:\n      dim: 768\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:BertFlashAdapter\n    max_batch_tokens: 8192\n"
	d, err := yamldoc.Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if p := mustPack(t, d); len(p) > len(text) {
		t.Fatalf("packed %d bytes, text %d", len(p), len(text))
	}
}

// Any document YAML parses to survives the round trip exactly.
func FuzzPackedRoundTrip(f *testing.F) {
	f.Add("a: 1\nb: [1.5, .nan, -.inf, null, true, 'x']\nc: {d: {e: -0.0}}\n")
	f.Add("sie_id: x\nprofiles:\n  p: {adapter_path: m:C, max_batch_tokens: 9223372036854775807}\n")
	f.Fuzz(func(t *testing.T, text string) {
		d, err := yamldoc.Parse([]byte(text))
		if err != nil {
			return
		}
		p, ok := doc.Pack(d)
		if !ok {
			t.Fatalf("Pack refused a parsed document: %q", text)
		}
		if got := p.Map(); !doc.Identical(d, got) {
			t.Fatalf("round trip of %q differs", text)
		}
	})
}
