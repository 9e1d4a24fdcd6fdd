package journal

import (
	"bytes"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/store"
)

func sampleEntry() store.HistoryEntry {
	return store.HistoryEntry{
		Epoch: 7, ModelID: "org/m", Op: store.OpReplace,
		At:      time.Date(2026, 12, 7, 3, 4, 5, 678_000_000, time.UTC),
		TokenID: "0123456789ab",
		RawYAML: []byte("sie_id: org/m\n# <&> \"quoted\" \\ tab\t\nprofiles: {}\n"),
	}
}

func TestRecordRoundTrip(t *testing.T) {
	for _, e := range []store.HistoryEntry{
		sampleEntry(),
		{Epoch: 1, ModelID: "a", Op: store.OpDelete, At: time.Unix(0, 0).UTC()},
		{Epoch: 1 << 62, ModelID: "a/b", Op: store.OpCreate, At: time.Unix(1, 0).UTC(), RawYAML: []byte{}},
	} {
		line, err := AppendRecord(nil, e)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Count(line, []byte("\n")) != 1 || line[len(line)-1] != '\n' {
			t.Fatalf("record is not one line: %q", line)
		}
		got, err := ParseRecord(line)
		if err != nil {
			t.Fatalf("parse %q: %v", line, err)
		}
		if !sameEntry(got, e) {
			t.Fatalf("round trip: got %+v, want %+v", got, e)
		}
	}
}

func TestRecordFormat(t *testing.T) {
	line, err := AppendRecord(nil, store.HistoryEntry{Epoch: 3, ModelID: "m", Op: store.OpDelete,
		At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"epoch":3,"model_id":"m","op":"delete","at":"2026-01-02T03:04:05.000Z","token_id":null,"raw_yaml":null}`
	if got := string(line[9 : len(line)-1]); got != want {
		t.Fatalf("record body\n got %s\nwant %s", got, want)
	}
}

func TestRecordRefusals(t *testing.T) {
	good, _ := AppendRecord(nil, sampleEntry())
	flip := bytes.Clone(good)
	flip[20] ^= 1
	for name, line := range map[string][]byte{
		"empty":        nil,
		"no space":     good[:8],
		"bad checksum": flip,
		"upper hex":    append(bytes.ToUpper(good[:8]), good[8:]...),
		"cut":          good[:len(good)-5],
	} {
		if _, err := ParseRecord(line); err == nil {
			t.Errorf("%s: accepted %q", name, line)
		}
	}
	for name, e := range map[string]store.HistoryEntry{
		"zero epoch":      {ModelID: "m", Op: store.OpDelete},
		"no id":           {Epoch: 1, Op: store.OpDelete},
		"unknown op":      {Epoch: 1, ModelID: "m", Op: "patch", RawYAML: []byte("x")},
		"create no doc":   {Epoch: 1, ModelID: "m", Op: store.OpCreate},
		"delete with doc": {Epoch: 1, ModelID: "m", Op: store.OpDelete, RawYAML: []byte("x")},
		"not utf-8":       {Epoch: 1, ModelID: "m", Op: store.OpCreate, RawYAML: []byte{0xff}},
	} {
		if _, err := AppendRecord(nil, e); err == nil {
			t.Errorf("%s: encoded", name)
		}
	}
}

func sameEntry(a, b store.HistoryEntry) bool {
	return a.Epoch == b.Epoch && a.ModelID == b.ModelID && a.Op == b.Op && a.TokenID == b.TokenID &&
		a.At.Equal(b.At.Truncate(time.Millisecond)) && bytes.Equal(a.RawYAML, b.RawYAML) &&
		(a.RawYAML == nil) == (b.RawYAML == nil)
}

// FuzzParseRecord: any line either is refused or reads back identically
// after re-encoding; nothing panics.
func FuzzParseRecord(f *testing.F) {
	good, _ := AppendRecord(nil, sampleEntry())
	del, _ := AppendRecord(nil, store.HistoryEntry{Epoch: 2, ModelID: "x", Op: store.OpDelete, At: time.Unix(5, 0)})
	f.Add(good)
	f.Add(del)
	f.Add(good[:len(good)/2])
	f.Add([]byte("00000000 {}\n"))
	f.Add([]byte("\n"))
	f.Fuzz(func(t *testing.T, line []byte) {
		e, err := ParseRecord(line)
		if err != nil {
			return
		}
		again, err := AppendRecord(nil, e)
		if err != nil {
			t.Fatalf("parsed entry does not encode: %v (%+v)", err, e)
		}
		e2, err := ParseRecord(again)
		if err != nil || !sameEntry(e2, e) {
			t.Fatalf("re-encoded entry differs: %v\n%+v\n%+v", err, e, e2)
		}
	})
}
