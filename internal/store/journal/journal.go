package journal

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/sieproject/sie/internal/store"
)

// FileName is the journal's name in the store's base directory, beside
// models/ and epoch (whose layout it leaves untouched).
const FileName = "history.log"

// maxRecordBytes bounds one record line. A document is at most 1 MiB and
// JSON escaping can grow it a few times; a longer line is damage. (A
// variable so a test can lower it.)
var maxRecordBytes = 16 << 20

// Journal is the history of one store. It is safe for concurrent use; one
// process appends (the store's single writer), and a history read sees
// every record appended before it, also by another instance on the same
// file.
type Journal struct {
	path string
	log  *slog.Logger

	// mu guards the fields below; an append holds it from the write to the
	// index update, so reads never see half of a group. It is taken after
	// the caller's locks (sie-config's write lock) and takes none itself.
	mu        sync.Mutex
	scanned   int64            // end of the last complete line indexed
	lastEpoch int64            // epoch of the newest indexed record
	index     map[string][]ref // per model id, oldest first
}

// ref locates one record in the file.
type ref struct {
	epoch int64
	off   int64
	n     int
}

// Open reads the journal at path into its index; a missing file is an
// empty journal (the file is created by the first append). A record cut
// short at the end of the file (a crash during an append) is removed and
// logged; a damaged record elsewhere is skipped and logged. Only a failure
// to read the file is an error.
func Open(path string, logger *slog.Logger) (*Journal, error) {
	j := &Journal{path: path, log: store.Logger(logger), index: map[string][]ref{}}
	if err := j.catchUp(true); err != nil {
		return nil, err
	}
	return j, nil
}

// Append durably records entries: one write of all their records and one
// fsync. On error the file is cut back to where it was, so none of them is
// ever read back.
func (j *Journal) Append(ctx context.Context, entries ...store.HistoryEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	var buf []byte
	ends := make([]int, len(entries))
	for i, e := range entries {
		var err error
		if buf, err = AppendRecord(buf, e); err != nil {
			return err
		}
		ends[i] = len(buf)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	start, err := j.write(buf)
	if err != nil {
		return fmt.Errorf("journal: append to %s: %w", FileName, err)
	}
	if start != j.scanned {
		// Someone else wrote to the file too: read it all from where we were.
		return j.catchUp(false)
	}
	// Index the records where they landed, without reading them back. (The
	// file ended with a complete line, so write put no LF before them.)
	off := start
	prev := 0
	for i, e := range entries {
		n := int64(ends[i] - prev)
		j.index1(e.ModelID, e.Epoch, off, n)
		off += n
		prev = ends[i]
	}
	j.scanned = off
	return nil
}

// write appends buf to the file and fsyncs it (and the directory when the
// file is new), and returns the size the file had before. Whatever fails,
// the file is cut back to that size.
func (j *Journal) write(buf []byte) (start int64, err error) {
	_, statErr := os.Stat(j.path)
	created := errors.Is(statErr, fs.ErrNotExist)
	f, err := os.OpenFile(j.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return 0, err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	size := fi.Size()
	if size > 0 {
		// A tail without its LF (damage Open could not cut) would glue the
		// first new record to it; a LF makes it a line of its own, skipped.
		var last [1]byte
		if _, err := f.ReadAt(last[:], size-1); err != nil {
			return size, err
		}
		if last[0] != '\n' {
			buf = append([]byte{'\n'}, buf...)
		}
	}
	if _, err = f.Write(buf); err == nil {
		err = f.Sync()
	}
	if err == nil && created {
		err = syncDir(filepath.Dir(j.path))
	}
	if err != nil {
		if terr := f.Truncate(size); terr != nil {
			j.log.Error("journal: cannot cut a failed append back", "file", FileName, "err", terr)
		}
		return size, err
	}
	return size, nil
}

// History returns up to limit entries of id, newest first (limit <= 0:
// all).
func (j *Journal) History(ctx context.Context, id string, limit int) ([]store.HistoryEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	j.mu.Lock()
	if err := j.catchUp(false); err != nil {
		j.mu.Unlock()
		return nil, err
	}
	all := j.index[id]
	if limit <= 0 || limit > len(all) {
		limit = len(all)
	}
	refs := make([]ref, 0, limit)
	for i := len(all) - 1; i >= len(all)-limit; i-- {
		refs = append(refs, all[i])
	}
	j.mu.Unlock()
	out := make([]store.HistoryEntry, 0, len(refs))
	if len(refs) == 0 {
		return out, nil
	}
	// Indexed bytes are never rewritten, so they are read without the lock.
	f, err := os.Open(j.path)
	if err != nil {
		return nil, fmt.Errorf("journal: read %s: %w", FileName, err)
	}
	defer f.Close()
	for _, r := range refs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		line := make([]byte, r.n)
		if _, err := f.ReadAt(line, r.off); err != nil {
			return nil, fmt.Errorf("journal: read %s at %d: %w", FileName, r.off, err)
		}
		e, err := ParseRecord(line)
		if err != nil {
			return nil, fmt.Errorf("journal: %s changed under sie-config at %d: %w", FileName, r.off, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// catchUp indexes the complete lines written since the last scan. With
// repair (at Open) a torn tail is cut off; otherwise it is left for its
// writer to finish. The caller holds mu (or is Open).
func (j *Journal) catchUp(repair bool) error {
	f, err := os.Open(j.path)
	if errors.Is(err, fs.ErrNotExist) {
		j.reset()
		return nil
	}
	if err != nil {
		return fmt.Errorf("journal: open %s: %w", FileName, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("journal: stat %s: %w", FileName, err)
	}
	size := fi.Size()
	if size < j.scanned {
		// Cut or replaced from outside: read it again from the start.
		j.log.Warn("journal: history file shrank; reading it again", "file", FileName)
		j.reset()
	}
	if size == j.scanned {
		return nil
	}
	r := bufio.NewReaderSize(io.NewSectionReader(f, j.scanned, size-j.scanned), 64<<10)
	off := j.scanned
	for {
		line, n, complete, err := readLine(r, maxRecordBytes)
		if err != nil {
			return fmt.Errorf("journal: read %s: %w", FileName, err)
		}
		if n == 0 {
			break
		}
		if !complete {
			if repair {
				j.cutTornTail(off, n)
			}
			break
		}
		j.indexLine(line, off, n)
		off += n
	}
	j.scanned = off
	return nil
}

// cutTornTail removes a last line that lacks its LF: an append a crash
// interrupted, never acknowledged.
func (j *Journal) cutTornTail(off, n int64) {
	j.log.Warn("journal: dropping an incomplete last record (interrupted append)", "file", FileName, "offset", off, "bytes", n)
	if err := os.Truncate(j.path, off); err != nil {
		j.log.Warn("journal: cannot cut the incomplete last record; the next append ends it", "file", FileName, "err", err)
	}
}

// indexLine adds one complete line to the index, skipping damage.
func (j *Journal) indexLine(line []byte, off, n int64) {
	if line == nil {
		j.log.Warn("journal: skipping an oversized line", "file", FileName, "offset", off, "bytes", n)
		return
	}
	if len(line) == 1 { // a lone LF (see write)
		return
	}
	e, err := ParseRecord(line)
	if err != nil {
		j.log.Warn("journal: skipping a damaged record", "file", FileName, "offset", off, "err", err)
		return
	}
	j.index1(e.ModelID, e.Epoch, off, n)
}

// index1 adds the record of one change at off.
func (j *Journal) index1(id string, epoch, off, n int64) {
	if epoch <= j.lastEpoch {
		j.rewind(epoch)
	}
	j.index[id] = append(j.index[id], ref{epoch: epoch, off: off, n: int(n)})
	j.lastEpoch = epoch
}

// rewind forgets every record at or after epoch: the store's epoch went
// back (its epoch file was reset), so those epochs now name other changes
// and only the newer records tell the truth about them.
func (j *Journal) rewind(epoch int64) {
	j.log.Warn("journal: the store's epoch went back; history from that epoch on is superseded", "file", FileName, "epoch", epoch, "last_epoch", j.lastEpoch)
	for id, refs := range j.index {
		k := len(refs)
		for k > 0 && refs[k-1].epoch >= epoch {
			k--
		}
		if k == 0 {
			delete(j.index, id)
		} else {
			j.index[id] = refs[:k]
		}
	}
}

func (j *Journal) reset() {
	j.scanned, j.lastEpoch = 0, 0
	clear(j.index)
}

// readLine reads up to and including the next LF. It returns the line
// (nil when longer than max, which is then consumed but not kept), the
// bytes consumed, and whether the LF was found; n == 0 means end of input.
func readLine(r *bufio.Reader, max int) (line []byte, n int64, complete bool, err error) {
	var buf []byte
	over := false
	for {
		chunk, err := r.ReadSlice('\n')
		n += int64(len(chunk))
		if !over {
			if len(buf)+len(chunk) > max {
				over, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		switch {
		case err == nil:
			if over {
				return nil, n, true, nil
			}
			return buf, n, true, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			return buf, n, false, nil
		default:
			return nil, n, false, err
		}
	}
}

// syncDir fsyncs a directory so a new file in it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
