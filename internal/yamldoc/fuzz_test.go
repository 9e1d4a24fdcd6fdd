package yamldoc

import (
	"bytes"
	"errors"
	"testing"
)

var fuzzSeeds = []string{
	"",
	"a: 1\n",
	"name: org/model\nprofiles:\n  default:\n    adapter: sie_server.adapters.x:Y\n    max_batch_tokens: 8192\n",
	"a: [1, 2.5, -.inf, .nan, ~, true, 'yes', \"x\\ty\"]\nb: {c: d}\n",
	"a: yes\n",
	"1: x\n",
	"a: 99999999999999999999\n",
	"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n",
	"a: &a [*a]\n",
	"a: !!str 1\nb: !!int '2'\nc: !!float 3\nd: ! 4\ne: !foo x\n",
	"a: 1\na: 2\n",
	"a: 1\n---\nb: 2\n",
	"? [a]\n: b\n",
	"a: |\n  lit\n  eral\nb: >-\n  fol\n  ded\n",
	"a:\n- b: 1\n  c:\n  - - d\n",
	"'key: with colon': ' lead'\n\"k\\n\": \"\\u2028\"\n",
	"a: 1:30\nb: 2024-01-01\nc: <<\nd: =\ne: 0o17\n",
	"\ufeffa: b # comment\n",
	"a: é\nb: \U0001F600\n",
	"{a: 1, b: [2, 3]}\n",
	`{"a": "\ud83d\ude00 \\ud83d\ude00", "b": 'x \ud83d\ude00'}`,
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err == nil {
			if m == nil {
				t.Fatal("nil map without error")
			}
			return
		}
		var pe *ParseError
		var ge *GuardError
		if !errors.As(err, &pe) && !errors.As(err, &ge) {
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
	})
}

func FuzzEmitRoundTrip(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		out := Emit(m)
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("emitted YAML does not parse: %v\n%s", err, out)
		}
		if !same(m, back) {
			t.Fatalf("round trip differs\n%s", out)
		}
		if again := Emit(back); !bytes.Equal(again, out) {
			t.Fatalf("emission is not stable:\n%s\n---\n%s", out, again)
		}
	})
}
