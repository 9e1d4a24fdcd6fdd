package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/yamldoc"
)

// referenceEntry is the general reading of an export entry, without the
// quick paths: the oracle decodeExportEntry must agree with.
func referenceEntry(raw []byte) (Document, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return Document{}, errors.New("entry is not a JSON object")
	}
	var d Document
	_ = json.Unmarshal(fields["model_id"], &d.ModelID)
	var text *string
	if json.Unmarshal(fields["raw_yaml"], &text) == nil && text != nil && len(bytes.TrimSpace([]byte(*text))) > 0 {
		if m, err := yamldoc.Parse([]byte(*text)); err == nil {
			d.Doc = m
			return d, nil
		}
	}
	if mc := bytes.TrimSpace(fields["model_config"]); len(mc) > 0 && mc[0] == '{' {
		m, err := decodeJSONDocument(mc)
		if err == nil {
			d.Doc = m
			return d, nil
		}
		return d, err
	}
	return d, errors.New("no document")
}

func checkEntry(t *testing.T, raw []byte) {
	t.Helper()
	got, gotErr := decodeExportEntry(raw)
	want, wantErr := referenceEntry(raw)
	if (gotErr == nil) != (wantErr == nil) || got.ModelID != want.ModelID || !doc.Identical(got.Doc, want.Doc) {
		t.Fatalf("entry %s\ngot  %q %v %v\nwant %q %v %v", raw, got.ModelID, got.Doc, gotErr, want.ModelID, want.Doc, wantErr)
	}
}

// exportEntry is an entry as sie-config writes it.
func exportEntry(id, text string, d *doc.Map) []byte {
	var b bytes.Buffer
	b.WriteString(`{"model_id":`)
	b.Write(canonjson.Ordered(id))
	if d != nil {
		b.WriteString(`,"model_config":`)
		b.Write(canonjson.Ordered(d))
	}
	b.WriteString(`,"raw_yaml":`)
	b.Write(canonjson.Ordered(text))
	b.WriteString(`,"affected_bundles":["default"]}`)
	return b.Bytes()
}

var trickyDocs = []string{
	"sie_id: a/b\nprofiles:\n  default:\n    adapter_path: m.a:C\n    max_batch_tokens: 8192\n",
	"sie_id: a/b\nx: 1.0\nw: -0.0\nv: 1.0e+300\nz: .nan\n",
	"sie_id: a/b\nq: 'yes'\nr: '0x1F'\ns: \"tab\\there\"\nt: null\nu: ~\nl: [1, 2.5, 'x', [], {}]\n",
	"sie_id: \"ü/ñ\"\nname: \"line\\nbreak\"\nk: \"quote\\\"d\\\\\"\n",
	"sie_id: a/b\n'key with: colon': 1\n\"\": empty\n",
	"sie_id: a/b\nbig: 9223372036854775807\nneg: -9223372036854775808\n",
	"sie_id: a/b\ntext: |\n  block\n  text\n",
	"name: only/name\nprofiles: {}\n",
}

// The quick reading of an entry gives what the general one gives: for the
// canonical text sie-config writes, for hand-written text, and when the
// text and model_config disagree.
func TestExportEntryQuickPathAgrees(t *testing.T) {
	var texts []string
	texts = append(texts, trickyDocs...)
	for _, text := range trickyDocs {
		d, err := yamldoc.Parse([]byte(text))
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		texts = append(texts, string(yamldoc.Emit(d)))
	}
	for _, text := range texts {
		d, _ := yamldoc.Parse([]byte(text))
		checkEntry(t, exportEntry("a/b", text, d))
		checkEntry(t, exportEntry("a/b", text, nil))
		checkEntry(t, exportEntry("a/b", "", d))
		other, _ := yamldoc.Parse([]byte(trickyDocs[0]))
		checkEntry(t, exportEntry("a/b", text, other))
	}
	for _, raw := range []string{`[]`, `1`, `null`, `{}`, `{"model_id":1,"raw_yaml":null}`, `{"model_id":"x","model_id":"y","raw_yaml":"sie_id: y\n"}`,
		`{"raw_yaml":"sie_id: a\n","model_config":{"sie_id":"a","sie_id":"b"}}`, `{"model\u005fid":"z","raw_yaml":"sie_id: z\n"}`} {
		checkEntry(t, []byte(raw))
	}
}

// Every model of the real catalog takes the quick path when exported by
// sie-config (canonical text) and agrees with the general one as filed.
func TestExportEntryQuickPathCatalog(t *testing.T) {
	dir := filepath.Join(testkit.SharedDir(t, "testdata/catalog"), "models")
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.yaml"))
	more, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	files = append(files, more...)
	if len(files) == 0 {
		t.Fatal("no catalog models")
	}
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d, err := yamldoc.Parse(text)
		if err != nil {
			continue
		}
		checkEntry(t, exportEntry("id", string(text), d))
		canonical := string(yamldoc.Emit(d))
		checkEntry(t, exportEntry("id", canonical, d))
		if m := quickJSONDocument(canonjson.Ordered(d)); m == nil || string(yamldoc.Emit(m)) != canonical {
			t.Fatalf("%s: canonical export misses the quick path", f)
		}
	}
}

// The quick pass over a whole export gives the streaming reader's result,
// errors included.
func TestDecodeExportQuickPassAgrees(t *testing.T) {
	entry := string(exportEntry("a/b", trickyDocs[0], nil))
	for _, body := range []string{
		`{"epoch":7,"models":[` + entry + `,` + entry + `]}`,
		` { "snapshot_version" : 1 , "epoch" : 0 , "models" : [ ` + entry + ` , 1 ] , "x" : {"y":[1]} } trailing`,
		`{"epoch":null,"models":null}`, `{}`, `{"models":[]}`,
		`{"epoch":7,"epoch":8,"models":[]}`, `{"epoch":"7"}`, `{"epoch":-1}`, `{"epoch":1.5}`, `{"epoch":01}`,
		`{"models":{}}`, `{"models":[` + entry + `,]}`, `{"models":[{"a":1}`, `{"x":[1,}`, `{"e\u0070och":3}`,
		"{\"ep\x01och\":3}", `[]`, ``, `{"models":[{"raw_yaml":"a: \u0001"}]}`,
	} {
		e1, d1, s1, err1 := decodeExport(strings.NewReader(body))
		e2, d2, s2, err2 := decodeExportStream(strings.NewReader(body), func(d Document) (Document, error) { return d, nil })
		if (err1 == nil) != (err2 == nil) || e1 != e2 || len(d1) != len(d2) || len(s1) != len(s2) {
			t.Fatalf("%s\nquick %d %d %d %v\nstream %d %d %d %v", body, e1, len(d1), len(s1), err1, e2, len(d2), len(s2), err2)
		}
		for i := range d1 {
			if d1[i].ModelID != d2[i].ModelID || !doc.Identical(d1[i].Doc, d2[i].Doc) {
				t.Fatalf("%s: entry %d differs", body, i)
			}
		}
	}
}

// FuzzExportEntry holds the quick reading of an entry to the general one,
// for a document's text and an arbitrary model_config.
func FuzzExportEntry(f *testing.F) {
	for _, text := range trickyDocs {
		f.Add(text, "")
		d, _ := yamldoc.Parse([]byte(text))
		f.Add(string(yamldoc.Emit(d)), string(canonjson.Ordered(d)))
	}
	f.Add("a: 1\n", `{"a":1.0}`)
	f.Add("a: x\n", `{"a":"x","a":"x"}`)
	f.Fuzz(func(t *testing.T, text, config string) {
		var mc []byte
		if config == "" {
			if d, err := yamldoc.Parse([]byte(text)); err == nil {
				mc = canonjson.Ordered(d)
			}
		} else if json.Valid([]byte(config)) {
			mc = []byte(config)
		}
		raw := []byte(`{"model_id":"m","raw_yaml":` + string(canonjson.Ordered(text)))
		if mc != nil {
			raw = append(append(raw, `,"model_config":`...), mc...)
		}
		raw = append(raw, '}')
		checkEntry(t, raw)
		if m := quickJSONDocument(mc); m != nil {
			if want, err := decodeJSONDocument(mc); err != nil || !doc.Identical(m, want) {
				t.Fatalf("quick JSON %s: %v, general %v (%v)", mc, m, want, err)
			}
		}
	})
}

// FuzzDecodeExport holds the quick pass over an export to the streaming
// reader.
func FuzzDecodeExport(f *testing.F) {
	entry := string(exportEntry("a/b", trickyDocs[0], nil))
	f.Add(`{"epoch":7,"models":[` + entry + `]}`)
	f.Add(`{"epoch":null,"x":[1,{"y":"\""}],"models":[1,{}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		e1, d1, s1, err1 := decodeExport(strings.NewReader(body))
		e2, d2, s2, err2 := decodeExportStream(strings.NewReader(body), func(d Document) (Document, error) { return d, nil })
		if (err1 == nil) != (err2 == nil) || e1 != e2 || len(d1) != len(d2) || len(s1) != len(s2) {
			t.Fatalf("quick %d %d %d %v\nstream %d %d %d %v", e1, len(d1), len(s1), err1, e2, len(d2), len(s2), err2)
		}
	})
}

// readAll reads everything, across its buffer's growth, and passes errors on.
func TestReadAll(t *testing.T) {
	for _, n := range []int{0, 1, 64 << 10, 64<<10 + 1, 1 << 20} {
		want := bytes.Repeat([]byte("0123456789"), n/10+1)[:n]
		got, err := readAll(iotest.OneByteReader(bytes.NewReader(want[:min(n, 1000)])))
		if err != nil || !bytes.Equal(got, want[:min(n, 1000)]) {
			t.Fatalf("%d bytes read one at a time: %d, %v", n, len(got), err)
		}
		if got, err = readAll(bytes.NewReader(want)); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%d bytes: %d, %v", n, len(got), err)
		}
	}
	boom := errors.New("boom")
	if _, err := readAll(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Fatalf("error %v", err)
	}
}
