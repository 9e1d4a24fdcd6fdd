package strictjson

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckDuplicates(t *testing.T) {
	for in, dup := range map[string]string{
		`{"model":"a","model":"b"}`:             "model",
		`{"a":{"x":1,"y":2,"x":3}}`:             "x",
		`[{"k":1},{"k":2,"k":3}]`:               "k",
		`{"a":1,"\u0061":2}`:                    "a",
		`{"model":"a","bundle":null,"b":[1]}`:   "",
		`{"a":{"k":1},"b":{"k":1}}`:             "",
		`"just a string"`:                       "",
		`{"emoji":"\ud83d\ude00","x":"\u00e9"}`: "",
	} {
		err := CheckDuplicates([]byte(in))
		var de *DuplicateKeyError
		switch {
		case dup == "" && err != nil:
			t.Errorf("%s: %v", in, err)
		case dup != "" && (!errors.As(err, &de) || de.Key != dup):
			t.Errorf("%s: %v, want duplicate %q", in, err, dup)
		}
	}
	for _, bad := range []string{`{"a":1`, `{"a":1} x`, `{"a" 1}`, ``} {
		if err := CheckDuplicates([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	long := strings.Repeat("k", 5000)
	if err := CheckDuplicates([]byte(`{"` + long + `":1,"` + long + `":2}`)); err == nil || len(err.Error()) > 100 {
		t.Errorf("long key error: %v", err)
	}
}

// FuzzCheckDuplicates: never panics, and what it passes encoding/json
// accepts. (A duplicate may be reported before a later syntax error;
// callers decode first.)
func FuzzCheckDuplicates(f *testing.F) {
	for _, s := range []string{`{"a":1,"a":2}`, `[1,{"b":[{}]}]`, `{"a":"\ud83d\ude00"}`, `nul`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := CheckDuplicates(data)
		if err == nil {
			if !validJSON(data) {
				t.Fatalf("%q: scanned as JSON but encoding/json refuses it", data)
			}
		}
	})
}
