package journal

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/store"
)

func entry(epoch int64, id, op string) store.HistoryEntry {
	e := store.HistoryEntry{Epoch: epoch, ModelID: id, Op: op, At: time.Unix(1_800_000_000+epoch, 0).UTC()}
	if op != store.OpDelete {
		e.RawYAML = []byte(fmt.Sprintf("sie_id: %s\n# epoch %d\n", id, epoch))
	}
	return e
}

func openAt(t *testing.T, path string, logs *bytes.Buffer) *Journal {
	t.Helper()
	var logger *slog.Logger
	if logs != nil {
		logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	j, err := Open(path, logger)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func epochs(t *testing.T, j *Journal, id string, limit int) []int64 {
	t.Helper()
	es, err := j.History(context.Background(), id, limit)
	if err != nil {
		t.Fatal(err)
	}
	out := []int64{}
	for _, e := range es {
		if e.ModelID != id {
			t.Fatalf("entry of %q in the history of %q", e.ModelID, id)
		}
		out = append(out, e.Epoch)
	}
	return out
}

func expectEpochs(t *testing.T, got []int64, want ...int64) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(append([]int64{}, want...)) {
		t.Fatalf("epochs %v, want %v", got, want)
	}
}

func TestAppendAndRead(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	j := openAt(t, path, nil)
	expectEpochs(t, epochs(t, j, "a", 0))
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("an empty journal created its file: %v", err)
	}
	must(t, j.Append(ctx, entry(1, "a", store.OpCreate)))
	must(t, j.Append(ctx, entry(2, "b", store.OpCreate), entry(3, "a", store.OpAppend)))
	must(t, j.Append(ctx, entry(4, "a", store.OpDelete)))
	expectEpochs(t, epochs(t, j, "a", 0), 4, 3, 1)
	expectEpochs(t, epochs(t, j, "a", 2), 4, 3)
	expectEpochs(t, epochs(t, j, "b", 10), 2)
	expectEpochs(t, epochs(t, j, "A", 0))
	es, _ := j.History(ctx, "a", 0)
	if es[0].RawYAML != nil || string(es[1].RawYAML) != string(entry(3, "a", store.OpAppend).RawYAML) {
		t.Fatalf("documents: %+v", es)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("journal file: %v %v", fi, err)
	}

	// A restart reads it all back, and so does a second instance that was
	// open while the first appended.
	other := openAt(t, path, nil)
	must(t, j.Append(ctx, entry(5, "a", store.OpCreate)))
	expectEpochs(t, epochs(t, other, "a", 0), 5, 4, 3, 1)
	expectEpochs(t, epochs(t, openAt(t, path, nil), "a", 0), 5, 4, 3, 1)

	if err := j.Append(ctx, store.HistoryEntry{Epoch: 6, ModelID: "a", Op: "patch"}); err == nil {
		t.Fatal("an invalid entry was appended")
	}
	expectEpochs(t, epochs(t, j, "a", 1), 5)
}

func TestTornTailIsDropped(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	j := openAt(t, path, nil)
	must(t, j.Append(ctx, entry(1, "a", store.OpCreate), entry(2, "a", store.OpReplace)))
	whole, _ := os.ReadFile(path)
	third, _ := AppendRecord(nil, entry(3, "a", store.OpReplace))
	for cut := 1; cut < len(third); cut += len(third) / 7 {
		// A crash in the middle of the third append.
		must(t, os.WriteFile(path, append(bytes.Clone(whole), third[:cut]...), 0o600))
		var logs bytes.Buffer
		j := openAt(t, path, &logs)
		expectEpochs(t, epochs(t, j, "a", 0), 2, 1)
		if !strings.Contains(logs.String(), "incomplete last record") {
			t.Fatalf("cut %d: no warning: %s", cut, logs.String())
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, whole) {
			t.Fatalf("cut %d: torn tail left in place", cut)
		}
		must(t, j.Append(ctx, entry(3, "a", store.OpReplace)))
		expectEpochs(t, epochs(t, openAt(t, path, nil), "a", 0), 3, 2, 1)
	}
}

func TestDamageIsSkipped(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	j := openAt(t, path, nil)
	must(t, j.Append(ctx, entry(1, "a", store.OpCreate), entry(2, "a", store.OpReplace), entry(3, "a", store.OpReplace)))
	data, _ := os.ReadFile(path)
	second := bytes.IndexByte(data, '\n') + 1
	data[second+20] ^= 0x20 // a flipped bit in the second record
	// Zeros after the end, as a crash on some file systems leaves them.
	data = append(data, make([]byte, 40)...)
	must(t, os.WriteFile(path, data, 0o600))
	var logs bytes.Buffer
	j = openAt(t, path, &logs)
	expectEpochs(t, epochs(t, j, "a", 0), 3, 1)
	if !strings.Contains(logs.String(), "damaged record") {
		t.Fatalf("no warning: %s", logs.String())
	}
	// A tail Open could not repair still ends before the next record.
	must(t, os.WriteFile(path, append(data[:len(data)-40], "garbage"...), 0o600))
	j = &Journal{path: path, log: store.Logger(nil), index: map[string][]ref{}}
	must(t, j.catchUp(false))
	must(t, j.Append(ctx, entry(4, "a", store.OpDelete)))
	expectEpochs(t, epochs(t, openAt(t, path, nil), "a", 0), 4, 3, 1)
}

func TestOversizedLineIsSkipped(t *testing.T) {
	defer func(old int) { maxRecordBytes = old }(maxRecordBytes)
	maxRecordBytes = 1 << 10
	path := filepath.Join(t.TempDir(), FileName)
	rec, _ := AppendRecord(nil, entry(2, "a", store.OpCreate))
	big := append(bytes.Repeat([]byte("x"), maxRecordBytes+10), '\n')
	must(t, os.WriteFile(path, append(big, rec...), 0o600))
	expectEpochs(t, epochs(t, openAt(t, path, nil), "a", 0), 2)
}

func TestRewindSupersedesLaterEpochs(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	j := openAt(t, path, nil)
	must(t, j.Append(ctx, entry(1, "a", store.OpCreate), entry(2, "b", store.OpCreate), entry(3, "a", store.OpReplace)))
	// The store's epoch was reset to 1: epoch 2 is written again.
	must(t, j.Append(ctx, entry(2, "c", store.OpCreate)))
	for _, jj := range []*Journal{j, openAt(t, path, nil)} {
		expectEpochs(t, epochs(t, jj, "a", 0), 1)
		expectEpochs(t, epochs(t, jj, "b", 0))
		expectEpochs(t, epochs(t, jj, "c", 0), 2)
	}
}

func TestFailedAppendLeavesNothing(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root ignores file modes")
	}
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	j := openAt(t, path, nil)
	must(t, os.Chmod(dir, 0o500))
	t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
	if err := j.Append(ctx, entry(1, "a", store.OpCreate)); err == nil {
		t.Fatal("append into a read-only directory succeeded")
	}
	expectEpochs(t, epochs(t, j, "a", 0))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
