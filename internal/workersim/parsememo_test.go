package workersim

import "testing"

// The memo hands every worker the outcome one parse gives, for valid,
// rejected and unparsable documents alike, and stays bounded.
func TestParseMemoMatchesAParse(t *testing.T) {
	memo := newParseMemo()
	docs := map[string]string{
		"valid":       apiModel,
		"unparsable":  "profiles: [unclosed\n",
		"not-a-model": "- a list\n- not a map\n",
	}
	for name, text := range docs {
		want := parseDeltaDocument("api/added", text)
		first, again := memo.parse("api/added", text), memo.parse("api/added", text)
		if first.ok != want.ok || (first.m == nil) != (want.m == nil) {
			t.Errorf("%s: memo %+v, a parse %+v", name, first, want)
		}
		if again != first {
			t.Errorf("%s: a second lookup parsed again", name)
		}
		if want.m != nil && string(first.m.ID) != string(want.m.ID) {
			t.Errorf("%s: id %q, want %q", name, first.m.ID, want.m.ID)
		}
	}
	if memo.parse("other/id", apiModel) == memo.parse("api/added", apiModel) {
		t.Error("the model id is part of the key")
	}
	for i := range 3 * parseMemoSize {
		memo.parse("api/added", apiModel+"# "+string(rune('a'+i%26))+string(rune('a'+i/26))+"\n")
	}
	if len(memo.byKey) > parseMemoSize || len(memo.order) != len(memo.byKey) {
		t.Errorf("memo holds %d entries (order %d), bound %d", len(memo.byKey), len(memo.order), parseMemoSize)
	}
}
