package workerview

import "github.com/sieproject/sie/internal/doc"

// Forms of the worker view (extensions E1).
const (
	// ViewStrict: the strict schema accepts the document; workers serve it.
	ViewStrict = "strict"
	// ViewStub: only the stub can be built; workers hold the model without
	// outputs and reject inference for it.
	ViewStub = "stub"
	// ViewIgnored: neither can be built; workers do not hold the model.
	ViewIgnored = "ignored"
)

// Consequences that end each reason of a worker view.
const (
	consequenceStub    = "workers hold a stub without outputs and reject inference for this model"
	consequenceIgnored = "workers cannot build even a stub, so they do not hold this model at all"
	consequenceAlso    = "once held, workers would still keep only a stub without outputs"
)

// View is what a worker holds after receiving a document by NATS
// (worker-protocol.md §2.2–§4): the form, one human reason per cause (empty
// for strict), and the model as held (nil when ignored). It is the one place
// these apply rules are run: the worker simulator applies deltas with it,
// gateways predict the expected hash with it, and sie-config reports it on
// every write.
type View struct {
	Form    string
	Reasons []string
	Model   *Model
}

// Servable reports whether workers can serve the document (form strict).
func (v View) Servable() bool { return v.Form == ViewStrict }

// Of runs the worker's apply rules on d: strict schema, else
// stub, else ignored. modelID is the payload's model_id (the stub's id when
// d has no sie_id).
func Of(d *doc.Map, modelID string) View {
	full, strict := parseModel(d)
	if len(strict) == 0 {
		return View{Form: ViewStrict, Reasons: []string{}, Model: full}
	}
	stub, stubProblems := buildStub(d, modelID)
	if stub != nil {
		return View{Form: ViewStub, Reasons: reasons(strict, nil, consequenceStub), Model: stub}
	}
	// Why no stub first; then what would still keep it a stub once fixed.
	out := reasons(stubProblems, nil, consequenceIgnored)
	out = append(out, reasons(strict, stubProblems, consequenceAlso)...)
	return View{Form: ViewIgnored, Reasons: out}
}

// reasons renders each problem not in skip as "<cause>: <consequence>".
func reasons(list, skip problemList, consequence string) []string {
	out := make([]string, 0, len(list))
	seen := map[string]bool{}
	for _, p := range list {
		if skip.has(p) || seen[p.cause] {
			continue
		}
		seen[p.cause] = true
		out = append(out, p.cause+": "+consequence)
	}
	return out
}
