package journal

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"time"
	"unicode/utf8"

	"github.com/sieproject/sie/internal/store"
)

// A record is one line:
//
//	<crc> SP <json> LF
//
// where <crc> is the CRC-32C of <json> as 8 lower-case hex digits and
// <json> is {"epoch","model_id","op","at","token_id","raw_yaml"} on one
// line (JSON escapes every newline inside strings). The checksum tells a
// record cut short or filled with garbage by a crash from a real one.

// timeLayout is the "at" form: RFC 3339, UTC, milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

// crcHexLen is the width of the checksum prefix.
const crcHexLen = 8

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// wireRecord is the JSON form of a record.
type wireRecord struct {
	Epoch   int64   `json:"epoch"`
	ModelID string  `json:"model_id"`
	Op      string  `json:"op"`
	At      string  `json:"at"`
	TokenID *string `json:"token_id"`
	RawYAML *string `json:"raw_yaml"`
}

// FormatTime renders t the way records (and the history API) spell "at".
func FormatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// AppendRecord appends e's record line, LF included, to buf. It refuses an
// entry that ParseRecord would refuse, so the journal never holds a record
// it cannot read back.
func AppendRecord(buf []byte, e store.HistoryEntry) ([]byte, error) {
	if err := check(e); err != nil {
		return buf, err
	}
	w := wireRecord{Epoch: e.Epoch, ModelID: e.ModelID, Op: e.Op, At: FormatTime(e.At)}
	if e.TokenID != "" {
		w.TokenID = &e.TokenID
	}
	if e.RawYAML != nil {
		raw := string(e.RawYAML)
		w.RawYAML = &raw
	}
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		return buf, err
	}
	js := bytes.TrimSuffix(body.Bytes(), []byte("\n"))
	buf = hex.AppendEncode(buf, binary.BigEndian.AppendUint32(nil, crc32.Checksum(js, castagnoli)))
	buf = append(buf, ' ')
	buf = append(buf, js...)
	return append(buf, '\n'), nil
}

// ParseRecord reads one record line, with or without its LF.
func ParseRecord(line []byte) (store.HistoryEntry, error) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	if len(line) < crcHexLen+2 || line[crcHexLen] != ' ' {
		return store.HistoryEntry{}, errors.New("journal: malformed record")
	}
	var sum [4]byte
	if n, err := hex.Decode(sum[:], line[:crcHexLen]); err != nil || n != 4 || !isLowerHex(line[:crcHexLen]) {
		return store.HistoryEntry{}, errors.New("journal: malformed checksum")
	}
	js := line[crcHexLen+1:]
	if crc32.Checksum(js, castagnoli) != binary.BigEndian.Uint32(sum[:]) {
		return store.HistoryEntry{}, errors.New("journal: checksum mismatch")
	}
	var w wireRecord
	dec := json.NewDecoder(bytes.NewReader(js))
	if err := dec.Decode(&w); err != nil {
		return store.HistoryEntry{}, fmt.Errorf("journal: %w", err)
	}
	if dec.More() {
		return store.HistoryEntry{}, errors.New("journal: trailing data after record")
	}
	at, err := time.Parse(timeLayout, w.At)
	if err != nil {
		return store.HistoryEntry{}, errors.New("journal: bad time")
	}
	e := store.HistoryEntry{Epoch: w.Epoch, ModelID: w.ModelID, Op: w.Op, At: at}
	if w.TokenID != nil {
		e.TokenID = *w.TokenID
	}
	if w.RawYAML != nil {
		e.RawYAML = []byte(*w.RawYAML)
	}
	if err := check(e); err != nil {
		return store.HistoryEntry{}, err
	}
	return e, nil
}

// check holds the invariants of an entry: a positive epoch, an id, a known
// op, and a document exactly when the op is not a delete.
func check(e store.HistoryEntry) error {
	switch {
	case e.Epoch < 1:
		return errors.New("journal: epoch must be positive")
	case e.ModelID == "":
		return errors.New("journal: empty model id")
	case !utf8.ValidString(e.ModelID) || !utf8.ValidString(e.TokenID) || !utf8.Valid(e.RawYAML):
		// JSON would replace invalid bytes, and the record would not read
		// back as written.
		return errors.New("journal: text is not UTF-8")
	case e.At.UTC().Year() < 0 || e.At.UTC().Year() > 9999:
		return errors.New("journal: time out of range")
	}
	switch e.Op {
	case store.OpCreate, store.OpAppend, store.OpReplace:
		if e.RawYAML == nil {
			return errors.New("journal: " + e.Op + " without a document")
		}
	case store.OpDelete:
		if e.RawYAML != nil {
			return errors.New("journal: delete with a document")
		}
	default:
		return errors.New("journal: unknown op")
	}
	return nil
}

func isLowerHex(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
