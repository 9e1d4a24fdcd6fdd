package listhash

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
)

// version is a set and the id → entry map it must hold.
type version struct {
	set *Set
	ref map[string][]byte
}

// checkVersion compares the set with a from-scratch digest and text of its
// reference, and its order and lookups.
func checkVersion(t *testing.T, v version) {
	t.Helper()
	want := NewSetFrom(v.ref)
	if got, w := v.set.Hash(), Digest(want.Entries()); got != w {
		t.Fatalf("resumed digest %s, from scratch %s", got, w)
	}
	if v.set.Text() != want.Text() {
		t.Fatal("text differs")
	}
	if v.set.Len() != len(v.ref) {
		t.Fatalf("Len %d, want %d", v.set.Len(), len(v.ref))
	}
	ids := v.set.IDs()
	for i, id := range ids {
		if i > 0 && ids[i-1] >= id {
			t.Fatalf("ids out of order: %q then %q", ids[i-1], id)
		}
		if e, ok := v.set.Get(id); !ok || string(e) != string(v.ref[id]) {
			t.Fatalf("Get(%q) wrong", id)
		}
	}
}

// step applies one operation to a clone of v (the copy-on-write use of
// modelindex), leaving v as it was.
func step(v version, del bool, id string, entry []byte) version {
	next := version{set: v.set.Clone(), ref: maps.Clone(v.ref)}
	if del {
		next.set.Delete(id)
		delete(next.ref, id)
	} else {
		next.set.Put(id, entry)
		next.ref[id] = entry
	}
	return next
}

// TestSetCopyOnWriteMarks runs random puts and deletes on clones, with a
// mark every few entries so that most changes resume from one, and checks
// every version (including old ones hashed again after their successors
// saved their own marks) against a from-scratch digest.
func TestSetCopyOnWriteMarks(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	v := version{set: NewSet(), ref: map[string][]byte{}}
	v.set.markEvery = 64
	var kept []version
	for i := 0; i < 1500; i++ {
		id := fmt.Sprintf("m%04d", rng.IntN(600))
		e := []byte(fmt.Sprintf(`{"id":%q,"pad":"%s"}`, id, strings.Repeat("y", rng.IntN(40))))
		v = step(v, i > 1100 || rng.IntN(4) == 0, id, e)
		if i%10 == 0 {
			_, _ = v.set.Digested() // a reader hashing a copy meanwhile
			checkVersion(t, v)
		}
		if i%151 == 0 {
			kept = append(kept, v)
		}
	}
	if len(v.set.marks) == 0 && v.set.Len() > 100 {
		t.Error("no saved states were used")
	}
	for _, old := range kept {
		if old.set.fresh { // force a resumed re-hash of an old, hashed version
			old.set.fresh, old.set.dirtyFrom = false, old.set.Len()/2
		}
		checkVersion(t, old)
	}
}

// TestSetResumeHashesFromChange checks that a change re-hashes only from
// the last mark before it: the saved states before the change are reused,
// not recomputed.
func TestSetResumeHashesFromChange(t *testing.T) {
	ref := map[string][]byte{}
	for i := range 1000 {
		id := fmt.Sprintf("m%04d", i)
		ref[id] = []byte(fmt.Sprintf(`{"id":%q}`, id))
	}
	s := NewSetFrom(ref)
	s.markEvery = 100
	s.Hash()
	before := s.marks
	c := s.Clone()
	c.Put("m0900", []byte(`{"changed":true}`))
	c.Hash()
	reused := 0
	for i := range min(len(before), len(c.marks)) {
		if &before[i].state[0] == &c.marks[i].state[0] {
			reused++
		}
	}
	if reused == 0 || reused < len(before)*8/10 {
		t.Fatalf("reused %d of %d marks after a change at 90%%", reused, len(before))
	}
	if s.Hash() == c.Hash() {
		t.Fatal("the clone's change reached the original")
	}
	ref["m0900"] = []byte(`{"changed":true}`)
	checkVersion(t, version{c, ref})
}

// FuzzSetOps runs an arbitrary sequence of puts and deletes (3 bytes each:
// kind, id, entry length) on copy-on-write clones with small mark spacing,
// checking the final digest against a from-scratch one.
func FuzzSetOps(f *testing.F) {
	f.Add([]byte{0, 1, 5, 0, 2, 9, 1, 1, 0, 0, 3, 200})
	f.Add(make([]byte, 900))
	f.Fuzz(func(t *testing.T, ops []byte) {
		v := version{set: NewSet(), ref: map[string][]byte{}}
		v.set.markEvery = 16
		for len(ops) >= 3 {
			id := fmt.Sprintf("m%03d", ops[1])
			sum := sha256.Sum256(ops[:3])
			e := []byte(fmt.Sprintf("%x%s", sum[:4], strings.Repeat("z", int(ops[2]%64))))
			v = step(v, ops[0]%3 == 0, id, e)
			if binary.BigEndian.Uint16(sum[:2])%7 == 0 {
				v.set.Hash()
			}
			ops = ops[3:]
		}
		checkVersion(t, v)
	})
}
