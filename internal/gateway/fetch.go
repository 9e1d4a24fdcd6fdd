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
	epoch, docs, skipped, err := decodeExport(body)
	if err != nil {
		return nil, fmt.Errorf("decode /v1/configs/export: %w", err)
	}
	bs := catalog.NewBundleSet(dedupeBundles(bundles))
	built := make([]*Model, len(docs))
	errs := make([]error, len(docs))
	onEveryCore(len(docs), func(i int) { built[i], errs[i] = modelFromDocument(docs[i], bs) })
	models := make([]*Model, 0, len(docs))
	for i, m := range built {
		if errs[i] != nil {
			skipped = append(skipped, skippedEntry{ModelID: docs[i].ModelID, Reason: errs[i].Error()})
			continue
		}
		models = append(models, m)
	}
	st := newState(bundles, models, epoch, remote.BundlesHash)
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
	body, err := io.ReadAll(r)
	if err != nil {
		return 0, nil, nil, err
	}
	if epoch, raws, ok := quickExport(body); ok {
		docs, skipped := decodeEntries(raws)
		return epoch, docs, skipped, nil
	}
	return decodeExportStream(bytes.NewReader(body))
}

// decodeEntries decodes export entries on every core, in export order.
func decodeEntries(raws [][]byte) ([]Document, []skippedEntry) {
	entries := make([]Document, len(raws))
	errs := make([]error, len(raws))
	onEveryCore(len(raws), func(i int) {
		entries[i], errs[i] = decodeExportEntry(raws[i])
		raws[i] = nil
	})
	docs := make([]Document, 0, len(raws))
	var skipped []skippedEntry
	for i, d := range entries {
		if errs[i] != nil {
			skipped = append(skipped, skippedEntry{ModelID: d.ModelID, Reason: errs[i].Error()})
			continue
		}
		docs = append(docs, d)
	}
	return docs, skipped
}

// decodeExportStream is decodeExport's general reader: the export as a
// stream, one entry at a time.
func decodeExportStream(r io.Reader) (uint64, []Document, []skippedEntry, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := expectDelim(dec, '{'); err != nil {
		return 0, nil, nil, err
	}
	var epoch uint64
	var docs []Document
	var skipped []skippedEntry
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
			d, s := decodeEntries(raws)
			docs, skipped = append(docs, d...), append(skipped, s...)
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
	return epoch, docs, skipped, nil
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
		if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
			return Document{}, errors.New("entry is not a JSON object")
		}
	}
	var d Document
	if id, ok := quickString(fields["model_id"]); ok {
		d.ModelID = id
	} else {
		_ = json.Unmarshal(fields["model_id"], &d.ModelID) // a non-string model_id names nothing
	}
	var yamlErr error
	text := new(string)
	if s, ok := quickString(fields["raw_yaml"]); ok {
		*text = s
	} else if json.Unmarshal(fields["raw_yaml"], &text) != nil {
		text = nil
	}
	if text != nil && len(bytes.TrimSpace([]byte(*text))) > 0 {
		// Parsing YAML is most of a bootstrap. When model_config is the
		// document whose canonical YAML is exactly raw_yaml (what sie-config
		// exports for what it stored), it is also what raw_yaml parses to
		// (emission round-trips), so the JSON, read quickly, stands in.
		if m := quickJSONDocument(fields["model_config"]); m != nil && string(yamldoc.Emit(m)) == *text {
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
	if mc := bytes.TrimSpace(fields["model_config"]); len(mc) > 0 && mc[0] == '{' {
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
