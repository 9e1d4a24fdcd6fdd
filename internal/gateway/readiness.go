package gateway

import (
	"fmt"
	"strings"

	"github.com/sieproject/sie/internal/workers"
	"github.com/sieproject/sie/internal/workerview"
)

// Model states of the explained status, worst first (extensions E4).
const (
	StateUnroutable      = "unroutable"
	StateNoWorkers       = "no_workers"
	StatePending         = "pending"
	StateAckedUnservable = "acked_unservable"
	StateReady           = "ready"
)

// Reasons: a stable code fixed by the state.
const (
	ReasonNone                 = ""
	ReasonNoBundles            = "no_bundles"
	ReasonNoEligibleWorkers    = "no_eligible_workers"
	ReasonWorkersBehind        = "workers_behind"
	ReasonWorkersUnknownConfig = "workers_unknown_config"
	ReasonIgnoredByWorkers     = "ignored_by_workers"
	ReasonStubOnWorkers        = "stub_on_workers"
	ReasonReportedUnsupported  = "reported_unsupported"
)

// Per-worker details; "" for an acked worker.
const (
	DetailBehind        = "behind"
	DetailUnknownConfig = "unknown_config"
	DetailNotReady      = "not_ready"
	DetailDisconnected  = "disconnected"
)

// Fleet is the worker registry as the readiness rules read it.
type Fleet interface {
	// Eligible returns the Healthy workers advertising exactly bundle,
	// sorted by name.
	Eligible(bundle string) []workers.Eligible
	// Advertising returns every known worker advertising exactly bundle,
	// healthy or not, sorted by name.
	Advertising(bundle string) []*workers.Info
}

// Status is the explained readiness of one model on this gateway replica
// (sie-gateway.md §4.2 with extensions E4).
type Status struct {
	ModelID         string
	ConfigEpoch     uint64
	AllBundlesAcked bool
	NoBundles       bool
	State           string
	Reason          string
	Message         string
	View            WorkerView
	Bundles         []BundleStatus
}

// BundleStatus is one bundle of the model.
type BundleStatus struct {
	BundleID       string
	Expected       string // expected_bundle_config_hash
	Acked          bool
	AckedWorkers   []string // eligible workers reporting Expected, by name
	PendingWorkers []string // the other eligible workers, by name
	Eligible       int
	Workers        []WorkerStatus // every worker advertising the bundle, by name
	// unsupported counts acked workers listing the model in
	// unsupported_models.
	unsupported int
}

// WorkerStatus is one worker of a bundle.
type WorkerStatus struct {
	Name         string
	Health       string // healthy, unhealthy or unknown
	Acked        bool
	ReportedHash string
	// ConfigEpoch is the epoch of the config the worker holds, when known
	// (HasConfigEpoch): its own report, else what the gateway can tell.
	ConfigEpoch    uint64
	HasConfigEpoch bool
	Detail         string
}

// Ready reports whether the status is ready at or after minEpoch (the
// condition of the blocking wait).
func (s *Status) Ready(minEpoch uint64) bool {
	return s.State == StateReady && s.ConfigEpoch >= minEpoch
}

// StatusOf applies the readiness rules to model m of this state and the
// workers of fleet.
func (s *State) StatusOf(m *Model, fleet Fleet) *Status {
	st := &Status{ModelID: m.ID, ConfigEpoch: s.epoch, NoBundles: len(m.Bundles) == 0, View: m.view,
		Bundles: make([]BundleStatus, 0, len(m.Bundles))}
	st.AllBundlesAcked = len(m.Bundles) > 0
	for _, b := range m.Bundles {
		bs := s.bundleStatus(b, m.ID, fleet)
		st.AllBundlesAcked = st.AllBundlesAcked && bs.Acked
		st.Bundles = append(st.Bundles, bs)
	}
	st.explain()
	return st
}

func (s *State) bundleStatus(b, model string, fleet Fleet) BundleStatus {
	bs := BundleStatus{BundleID: b, Expected: s.ExpectedHash(b), AckedWorkers: []string{}, PendingWorkers: []string{}}
	eligible := fleet.Eligible(b)
	bs.Eligible = len(eligible)
	for _, e := range eligible {
		if bs.Expected != "" && e.Hash == bs.Expected {
			bs.AckedWorkers = append(bs.AckedWorkers, e.Name)
			if e.Info != nil && !e.Info.Serves(model) {
				bs.unsupported++
			}
		} else {
			bs.PendingWorkers = append(bs.PendingWorkers, e.Name)
		}
	}
	bs.Acked = bs.Eligible > 0 && len(bs.PendingWorkers) == 0
	advertising := fleet.Advertising(b)
	bs.Workers = make([]WorkerStatus, 0, len(advertising))
	for _, info := range advertising {
		bs.Workers = append(bs.Workers, s.workerStatus(b, bs.Expected, info))
	}
	return bs
}

// workerStatus gives one worker its detail and config epoch: acked when
// healthy and on the expected hash; otherwise not_ready or disconnected
// when unhealthy, behind when its hash is one the bundle expected at an
// older epoch, else unknown_config.
func (s *State) workerStatus(bundle, expected string, info *workers.Info) WorkerStatus {
	w := WorkerStatus{Name: info.Name, Health: info.Health.String(), ReportedHash: info.BundleConfigHash,
		ConfigEpoch: uint64(info.ConfigEpoch), HasConfigEpoch: info.HasConfigEpoch}
	current := expected != "" && info.BundleConfigHash == expected
	older, wasExpected := s.ExpectedBefore(bundle, info.BundleConfigHash)
	switch {
	case info.Healthy() && current:
		w.Acked = true
	case !info.Healthy() && info.Connected:
		w.Detail = DetailNotReady
	case !info.Healthy():
		w.Detail = DetailDisconnected
	case wasExpected:
		w.Detail = DetailBehind
	default:
		w.Detail = DetailUnknownConfig
	}
	if !w.HasConfigEpoch {
		switch {
		case current:
			w.ConfigEpoch, w.HasConfigEpoch = s.epoch, true
		case wasExpected:
			w.ConfigEpoch, w.HasConfigEpoch = older, true
		}
	}
	return w
}

// explain sets state, reason and message: the first rule that matches.
func (st *Status) explain() {
	switch {
	case st.NoBundles:
		st.State, st.Reason = StateUnroutable, ReasonNoBundles
		st.Message = fmt.Sprintf("%s maps to no bundle: no bundle's adapters match the adapter_path modules of its profiles", st.ModelID)
		return
	}
	for i := range st.Bundles {
		if b := &st.Bundles[i]; b.Eligible == 0 {
			st.State, st.Reason = StateNoWorkers, ReasonNoEligibleWorkers
			if n := len(b.Workers); n > 0 {
				st.Message = fmt.Sprintf("0 of %d workers of bundle %s are healthy, so none can serve it", n, b.BundleID)
			} else {
				st.Message = fmt.Sprintf("no worker of bundle %s is connected to this gateway", b.BundleID)
			}
			return
		}
	}
	if st.explainPending() {
		return
	}
	if st.explainUnservable() {
		return
	}
	st.State, st.Reason = StateReady, ReasonNone
	eligible := 0
	ids := make([]string, len(st.Bundles))
	for i, b := range st.Bundles {
		eligible += b.Eligible
		ids[i] = b.BundleID
	}
	st.Message = fmt.Sprintf("%d of %d workers of %s report the expected config (epoch %d)",
		eligible, eligible, bundleNames(ids), st.ConfigEpoch)
}

// explainPending names the first bundle with pending workers, preferring
// one whose workers are behind (the reason is workers_behind if any pending
// worker anywhere is behind).
func (st *Status) explainPending() bool {
	var first, behindAt *BundleStatus
	for i := range st.Bundles {
		b := &st.Bundles[i]
		if len(b.PendingWorkers) == 0 {
			continue
		}
		if first == nil {
			first = b
		}
		if behindAt == nil && countDetail(b, DetailBehind) > 0 {
			behindAt = b
		}
	}
	if first == nil {
		return false
	}
	st.State = StatePending
	if behindAt != nil {
		st.Reason = ReasonWorkersBehind
		oldest, n := uint64(0), 0
		for _, w := range behindAt.Workers {
			if w.Detail != DetailBehind {
				continue
			}
			if n == 0 || w.ConfigEpoch < oldest {
				oldest = w.ConfigEpoch
			}
			n++
		}
		st.Message = fmt.Sprintf("%d of %d workers of bundle %s report an older config (epoch %d, expected %d)",
			n, behindAt.Eligible, behindAt.BundleID, oldest, st.ConfigEpoch)
		return true
	}
	st.Reason = ReasonWorkersUnknownConfig
	st.Message = fmt.Sprintf("%d of %d workers of bundle %s report a config this gateway never expected in its last %d changes "+
		"(a restart or lost deltas without catch-up; expected epoch %d)",
		len(first.PendingWorkers), first.Eligible, first.BundleID, historyDepth, st.ConfigEpoch)
	return true
}

// explainUnservable: every bundle acked, but workers hold the document as
// a stub or not at all, or an acked worker reports the model unsupported.
func (st *Status) explainUnservable() bool {
	acked := 0
	ids := make([]string, len(st.Bundles))
	for i, b := range st.Bundles {
		acked += len(b.AckedWorkers)
		ids[i] = b.BundleID
	}
	reason := func() string {
		r := st.View.Reasons[0]
		if n := len(st.View.Reasons) - 1; n > 0 {
			r += fmt.Sprintf(" (and %d more)", n)
		}
		return r
	}
	switch st.View.Form {
	case workerview.ViewIgnored:
		st.State, st.Reason = StateAckedUnservable, ReasonIgnoredByWorkers
		st.Message = fmt.Sprintf("%d of %d workers of %s acked, but %s", acked, acked, bundleNames(ids), reason())
		return true
	case workerview.ViewStub:
		st.State, st.Reason = StateAckedUnservable, ReasonStubOnWorkers
		st.Message = fmt.Sprintf("%d of %d workers of %s acked, but %s", acked, acked, bundleNames(ids), reason())
		return true
	}
	for i := range st.Bundles {
		b := &st.Bundles[i]
		if n := b.unsupported; n > 0 {
			st.State, st.Reason = StateAckedUnservable, ReasonReportedUnsupported
			st.Message = fmt.Sprintf("%d of %d workers of bundle %s acked but report %s as unsupported", n, b.Eligible, b.BundleID, st.ModelID)
			return true
		}
	}
	return false
}

func countDetail(b *BundleStatus, detail string) int {
	n := 0
	for _, w := range b.Workers {
		if w.Detail == detail {
			n++
		}
	}
	return n
}

func bundleNames(ids []string) string {
	if len(ids) == 1 {
		return "bundle " + ids[0]
	}
	return "bundles " + strings.Join(ids, ", ")
}
