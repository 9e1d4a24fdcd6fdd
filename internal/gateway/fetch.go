package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/strictjson"
	"github.com/sieproject/sie/internal/yamldoc"
)

// fetched is everything one resync attempt read, already built into a
// complete state off-line (sie-gateway.md §3.2 steps 1–5).
type fetched struct {
	state   *State
	skipped []skippedEntry
	// routerID is the publisher id of the sie-config the export came from
	// ("" when it does not say).
	routerID string
}

// errGenerationChanged means sie-config started a new generation while
// the attempt was reading it: its parts would not belong together.
var errGenerationChanged = errors.New("sie-config changed generation during the resync (it restarted); retrying")

// skippedEntry is an export entry left out of the mirror, with the reason.
type skippedEntry struct {
	ModelID string
	Reason  string
}

// fetchAll runs steps 1–5 of a resync: epoch, bundle list, each bundle, the
// export, then the new state. Any HTTP, transport or decode failure fails
// the whole attempt; a bad export entry only skips that entry.
func fetchAll(ctx context.Context, c *configClient) (*fetched, error) {
	remote, err := c.epoch(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := c.bundleIDs(ctx)
	if err != nil {
		return nil, err
	}
	bundles := make([]*catalog.Bundle, 0, len(ids))
	for _, id := range ids {
		body, err := c.bundle(ctx, id)
		if err != nil {
			return nil, err
		}
		b, err := parseRemoteBundle(id, body)
		if err != nil {
			return nil, fmt.Errorf("bundle %q: %w", id, err)
		}
		bundles = append(bundles, b)
	}
	body, hdr, err := c.exportStream(ctx)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	generation := hdr.Get(headerGeneration)
	if generation != remote.Generation {
		return nil, errGenerationChanged
	}
	bs := catalog.NewBundleSet(dedupeBundles(bundles))
	// Each entry becomes a model as soon as it is read: its parsed
	// document is garbage at once instead of living through the whole
	// export (which the collector would mark over and over).
	epoch, models, skipped, err := decodeExportAs(body, func(d Document) (*Model, error) { return modelFromDocument(d, bs) })
	if err != nil {
		return nil, fmt.Errorf("decode /v1/configs/export: %w", err)
	}
	st := newBuiltState(bs, models, epoch, remote.BundlesHash)
	st.generation = generation
	return &fetched{state: st, skipped: skipped, routerID: hdr.Get(headerRouterID)}, nil
}

// parseRemoteBundle reads the YAML of GET /v1/configs/bundles/{id}: name
// (required string), priority (int, default 100), adapters (strings,
// default []). Other keys (source, …) are ignored.
func parseRemoteBundle(id string, body []byte) (*catalog.Bundle, error) {
	m, err := yamldoc.Parse(body)
	if err != nil {
		return nil, err
	}
	if name, ok := m.Get("name"); !ok {
		return nil, errors.New("name is missing")
	} else if s, ok := name.(string); !ok || s == "" {
		return nil, errors.New("name must be a non-empty string")
	}
	return catalog.ParseBundle(id, body)
}

// decodeExport reads {"epoch": E, "models": [...]} (other keys ignored) and
// turns each entry into a document: raw_yaml when it is a non-blank string
// that parses, else model_config when it is an object, else the entry is
// skipped.
//
// The export is read whole, then split into entries in one quick pass and
// the entries checked and decoded on every core; an export the quick pass
// does not take (a key with an escape, a repeated key, an epoch that is
// not plain digits, invalid JSON) is decoded by the general streaming
// reader, which gives the same result and reports the same errors.
func decodeExport(r io.Reader) (uint64, []Document, []skippedEntry, error) {
	return decodeExportAs(r, func(d Document) (Document, error) { return d, nil })
}

// decodeExportAs is decodeExport with each document turned into a T by
// build as it is read (on every core); an entry build fails for is skipped
// with its error, listed after the entries skipped as unreadable.
func decodeExportAs[T any](r io.Reader, build func(Document) (T, error)) (uint64, []T, []skippedEntry, error) {
	body, err := readAll(r)
	if err != nil {
		return 0, nil, nil, err
	}
	if epoch, raws, ok := quickExport(body); ok {
		built, unread, unbuilt := decodeEntries(raws, build)
		return epoch, built, append(unread, unbuilt...), nil
	}
	return decodeExportStream(bytes.NewReader(body), build)
}

// readAll is io.ReadAll growing its buffer twofold: io.ReadAll grows a
// large one by a quarter at a time, which for a 50 MB export allocates,
// clears and copies five times its size.
func readAll(r io.Reader) ([]byte, error) {
	b := make([]byte, 0, 64<<10)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(make([]byte, 0, 2*cap(b)), b...)
		}
	}
}

// decodeEntries decodes export entries and builds them on every core, in
// export order; it returns what was built, the entries that could not be
// read and those build refused.
func decodeEntries[T any](raws [][]byte, build func(Document) (T, error)) (built []T, unread, unbuilt []skippedEntry) {
	out := make([]T, len(raws))
	ids := make([]string, len(raws))
	readErrs := make([]error, len(raws))
	buildErrs := make([]error, len(raws))
	onEveryCore(len(raws), func(i int) {
		d, err := decodeExportEntry(raws[i])
		raws[i] = nil
		ids[i] = d.ModelID
		if err != nil {
			readErrs[i] = err
			return
		}
		out[i], buildErrs[i] = build(d)
	})
	built = make([]T, 0, len(raws))
	for i := range out {
		switch {
		case readErrs[i] != nil:
			unread = append(unread, skippedEntry{ModelID: ids[i], Reason: readErrs[i].Error()})
		case buildErrs[i] != nil:
			unbuilt = append(unbuilt, skippedEntry{ModelID: ids[i], Reason: buildErrs[i].Error()})
		default:
			built = append(built, out[i])
		}
	}
	return built, unread, unbuilt
}

// decodeExportStream is decodeExport's general reader: the export as a
// stream, one entry at a time.
func decodeExportStream[T any](r io.Reader, build func(Document) (T, error)) (uint64, []T, []skippedEntry, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := expectDelim(dec, '{'); err != nil {
		return 0, nil, nil, err
	}
	var epoch uint64
	var built []T
	var unread, unbuilt []skippedEntry
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return 0, nil, nil, err
		}
		key, _ := tok.(string)
		if seen[key] {
			return 0, nil, nil, &strictjson.DuplicateKeyError{Key: key}
		}
		seen[key] = true
		switch key {
		case "epoch":
			var n *json.Number
			if err := dec.Decode(&n); err != nil {
				return 0, nil, nil, fmt.Errorf("epoch: %w", err)
			}
			if n != nil {
				if epoch, err = strconv.ParseUint(n.String(), 10, 64); err != nil {
					return 0, nil, nil, fmt.Errorf("epoch %s is not a non-negative integer", n)
				}
			}
		case "models":
			tok, err := dec.Token()
			if err != nil {
				return 0, nil, nil, err
			}
			if tok == nil {
				continue // null: no models
			}
			if d, ok := tok.(json.Delim); !ok || d != '[' {
				return 0, nil, nil, errors.New("models: expected a list")
			}
			var raws [][]byte
			for dec.More() {
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return 0, nil, nil, err
				}
				raws = append(raws, raw)
			}
			// The entries parse on every core (YAML is most of a bootstrap),
			// and are kept in export order.
			built, unread, unbuilt = decodeEntries(raws, build)
			if err := expectDelim(dec, ']'); err != nil {
				return 0, nil, nil, err
			}
		default:
			var ignored json.RawMessage
			if err := dec.Decode(&ignored); err != nil {
				return 0, nil, nil, err
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return 0, nil, nil, err
	}
	return epoch, built, append(unread, unbuilt...), nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		if want == '{' {
			return errors.New("expected a JSON object")
		}
		return fmt.Errorf("expected %q", string(want))
	}
	return nil
}

func decodeExportEntry(raw []byte) (Document, error) {
	fields, ok := quickEntryFields(raw)
	if !ok {
		var all map[string]json.RawMessage
		if err := json.Unmarshal(raw, &all); err != nil || all == nil {
			return Document{}, errors.New("entry is not a JSON object")
		}
		fields = entryFields{}
		for k, v := range all {
			fields.set(k, v)
		}
	}
	var d Document
	if id, ok := quickString(fields.modelID); ok {
		d.ModelID = id
	} else {
		_ = json.Unmarshal(fields.modelID, &d.ModelID) // a non-string model_id names nothing
	}
	var yamlErr error
	text := new(string)
	if s, ok := quickString(fields.rawYAML); ok {
		*text = s
	} else if json.Unmarshal(fields.rawYAML, &text) != nil {
		text = nil
	}
	if text != nil && len(bytes.TrimSpace([]byte(*text))) > 0 {
		// Parsing YAML is most of a bootstrap. When model_config is the
		// document whose canonical YAML is exactly raw_yaml (what sie-config
		// exports for what it stored), it is also what raw_yaml parses to
		// (emission round-trips), so the JSON, read quickly, stands in.
		if m := quickJSONDocument(fields.modelConfig); m != nil && string(yamldoc.Emit(m)) == *text {
			d.Doc = m
			return d, nil
		}
		m, err := yamldoc.Parse([]byte(*text))
		if err == nil {
			d.Doc = m
			return d, nil
		}
		yamlErr = err
	}
	if mc := bytes.TrimSpace(fields.modelConfig); len(mc) > 0 && mc[0] == '{' {
		m, err := decodeJSONDocument(mc)
		if err == nil {
			d.Doc = m
			return d, nil
		}
		return d, fmt.Errorf("model_config unusable: %v (raw_yaml: %v)", err, orNone(yamlErr))
	}
	if yamlErr != nil {
		return d, fmt.Errorf("raw_yaml does not parse (%v) and there is no model_config object", yamlErr)
	}
	return d, errors.New("neither raw_yaml nor a model_config object")
}

func orNone(err error) any {
	if err == nil {
		return "absent or blank"
	}
	return err
}

// onEveryCore runs work(0..n-1) on GOMAXPROCS goroutines and waits.
func onEveryCore(n int, work func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				work(i)
			}
		}()
	}
	wg.Wait()
}
