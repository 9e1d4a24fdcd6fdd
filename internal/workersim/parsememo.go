package workersim

import (
	"sync"

	"github.com/sieproject/sie/internal/workerview"
	"github.com/sieproject/sie/internal/yamldoc"
)

// parseMemo shares the parse of a delta's document among the workers of one
// fleet. Every worker of a bundle receives the same bytes, and turning them
// into a held model (YAML, then the worker schema) is a pure function of the
// model id and the text, so one parse can serve all of them; separate
// processes would each pay it on their own core, a fleet of hundreds in one
// process would otherwise pay it hundreds of times on the same cores. The
// held models are never modified once built, so sharing them is safe.
type parseMemo struct {
	mu    sync.Mutex
	byKey map[parseKey]parsedDelta
	order []parseKey // insertion order, for eviction
}

type parseKey struct{ id, text string }

// parsedDelta is the outcome of parsing one delta's document: ok is false
// when the YAML does not parse; m is nil when the worker schema rejects it.
type parsedDelta struct {
	m  *workerview.Model
	ok bool
}

// parseMemoSize bounds the memo: a fleet needs only the deltas in flight.
const parseMemoSize = 64

func newParseMemo() *parseMemo { return &parseMemo{byKey: map[parseKey]parsedDelta{}} }

// parse returns the held model for a delta's document, computing it at most
// once while it stays in the memo. A nil memo parses every time.
func (p *parseMemo) parse(id, text string) parsedDelta {
	if p == nil {
		return parseDeltaDocument(id, text)
	}
	key := parseKey{id, text}
	p.mu.Lock()
	r, hit := p.byKey[key]
	p.mu.Unlock()
	if hit {
		return r
	}
	r = parseDeltaDocument(id, text)
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, dup := p.byKey[key]; !dup {
		if len(p.order) >= parseMemoSize {
			delete(p.byKey, p.order[0])
			p.order = p.order[1:]
		}
		p.byKey[key] = r
		p.order = append(p.order, key)
	}
	return r
}

func parseDeltaDocument(id, text string) parsedDelta {
	parsed, err := yamldoc.Parse([]byte(text))
	if err != nil || parsed == nil {
		return parsedDelta{}
	}
	return parsedDelta{m: workerview.Held(parsed, id), ok: true}
}
