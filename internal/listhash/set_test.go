package listhash

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestSetResumedDigest checks the resumed digest against a from-scratch
// one after random puts, replacements and deletes, with entries large enough
// that saved states are used.
func TestSetResumedDigest(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := NewSet()
	ref := map[string][]byte{}
	for step := 0; step < 600; step++ {
		id := fmt.Sprintf("m%03d", rng.IntN(200))
		switch rng.IntN(4) {
		case 0:
			s.Delete(id)
			delete(ref, id)
		default:
			e := []byte(fmt.Sprintf(`{"id":"%s","pad":"%s"}`, id, strings.Repeat("x", rng.IntN(3000))))
			s.Put(id, e)
			ref[id] = e
		}
		if step%3 == 0 {
			want := NewSetFrom(ref)
			if got, w := s.Hash(), Digest(want.Entries()); got != w {
				t.Fatalf("step %d: resumed digest %s, from scratch %s", step, got, w)
			}
			if s.Text() != want.Text() {
				t.Fatalf("step %d: text differs", step)
			}
		}
	}
	if len(s.marks) == 0 {
		t.Error("no saved states were used")
	}
	c := s.Clone()
	c.Put("zzz", []byte("{}"))
	if c.Hash() == s.Hash() {
		t.Error("clone shares state with the original")
	}
	empty := NewSet()
	if empty.Hash() != "" || empty.Text() != "" {
		t.Error("empty set must hash to the empty string")
	}
	empty.Put("a", []byte("1"))
	empty.Delete("a")
	if empty.Hash() != "" {
		t.Error("emptied set must hash to the empty string")
	}
}
