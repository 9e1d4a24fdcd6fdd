package gateway

import (
	"fmt"
	"testing"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/yamldoc"
)

func historyState(t *testing.T, epoch uint64, mbt int) *State {
	t.Helper()
	d, err := yamldoc.Parse([]byte(fmt.Sprintf("sie_id: a/m\nhf_id: a/m\ntasks: {}\nprofiles: {default: {adapter_path: m.x:A, max_batch_tokens: %d}}\n", mbt)))
	if err != nil {
		t.Fatal(err)
	}
	st, errs := NewState([]*catalog.Bundle{{Name: "default", Priority: 10, Adapters: []string{"m.x"}}}, []Document{{Doc: d}}, epoch, "")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return st
}

// A bundle's history closes the previous hash at the last epoch it was
// expected at; an unchanged hash records nothing; a rewind starts afresh.
func TestHistoryAdvance(t *testing.T) {
	s5 := historyState(t, 5, 1)
	s5.history = history{}.advance(emptyState(), s5)
	h1 := s5.ExpectedHash("default")
	s6 := historyState(t, 6, 1) // another bundle changed: same hash here
	s6.history = s5.history.advance(s5, s6)
	s9 := historyState(t, 9, 2)
	s9.history = s6.history.advance(s6, s9)
	if e, ok := s9.ExpectedBefore("default", h1); !ok || e != 6 {
		t.Errorf("older hash: epoch %d %v, want 6", e, ok)
	}
	if _, ok := s9.ExpectedBefore("default", s9.ExpectedHash("default")); ok {
		t.Error("the current hash counts as older")
	}
	rewound := historyState(t, 2, 3)
	rewound.history = s9.history.advance(s9, rewound)
	if _, ok := rewound.ExpectedBefore("default", h1); ok {
		t.Error("a rewind kept the old epochs")
	}
	if len(rewound.history["default"]) != 1 {
		t.Errorf("after a rewind: %v", rewound.history["default"])
	}
}
