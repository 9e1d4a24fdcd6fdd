package dashboard

import (
	"sort"
	"time"

	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/gateway"
	"github.com/sieproject/sie/internal/workers"
)

// Mirror is the gateway's config mirror as the dashboard reads it.
type Mirror interface {
	Snapshot() *gateway.State
	// Ready reports whether the first bootstrap from sie-config is done.
	Ready() bool
	// Changed is closed when the next snapshot is published.
	Changed() <-chan struct{}
}

// Fleet is the gateway's worker registry as the dashboard reads it.
type Fleet interface {
	gateway.Fleet
	// Version changes whenever what the registry shows may have changed.
	Version() uint64
	// Changed is closed at the next change of Version.
	Changed() <-chan struct{}
	// Workers returns every known worker, healthy or not.
	Workers() []*workers.Info
}

// heartbeats is what a Fleet may also tell: when each worker last sent a
// status message. Heartbeats that change nothing else do not move Version,
// so the stream refreshes these times on a timer.
type heartbeats interface {
	LastHeartbeat(url string) (time.Time, bool)
}

// configPart is the part of the overview that changes only with the
// mirror's snapshot or the registry's version: every model's state and
// every bundle's expected hash, encoded once and shared by all viewers.
type configPart struct {
	st      *gateway.State
	version uint64
	models  []byte
	bundles []byte
}

// buildConfigPart applies the readiness rules to every model of st.
func buildConfigPart(st *gateway.State, fleet Fleet, version uint64) *configPart {
	models := make([]*doc.Map, 0, st.Len())
	for _, m := range st.Models() {
		models = append(models, modelEntry(st.StatusOf(m, fleet)))
	}
	bundles := make([]*doc.Map, 0, len(st.Bundles()))
	for _, b := range st.Bundles() {
		all := fleet.Advertising(b.Name)
		bundles = append(bundles, doc.NewMap(
			doc.Entry{Key: "bundle_id", Value: b.Name},
			doc.Entry{Key: "expected_bundle_config_hash", Value: st.ExpectedHash(b.Name)},
			doc.Entry{Key: "healthy_workers", Value: len(fleet.Eligible(b.Name))},
			doc.Entry{Key: "workers", Value: len(all)},
		))
	}
	return &configPart{st: st, version: version,
		models:  canonjson.AppendCanonical(nil, models, canonjson.ORJSON),
		bundles: canonjson.AppendCanonical(nil, bundles, canonjson.ORJSON)}
}

// modelEntry is one row of the models view: the status view's state,
// reason and message with acked/eligible counts per bundle and in all.
func modelEntry(s *gateway.Status) *doc.Map {
	bundles := make([]*doc.Map, len(s.Bundles))
	acked, eligible := 0, 0
	for i, b := range s.Bundles {
		bundles[i] = doc.NewMap(
			doc.Entry{Key: "acked_workers", Value: len(b.AckedWorkers)},
			doc.Entry{Key: "bundle_id", Value: b.BundleID},
			doc.Entry{Key: "eligible_workers", Value: b.Eligible},
		)
		acked += len(b.AckedWorkers)
		eligible += b.Eligible
	}
	return doc.NewMap(
		doc.Entry{Key: "acked_workers", Value: acked},
		doc.Entry{Key: "bundles", Value: bundles},
		doc.Entry{Key: "config_epoch", Value: s.ConfigEpoch},
		doc.Entry{Key: "eligible_workers", Value: eligible},
		doc.Entry{Key: "form", Value: s.View.Form},
		doc.Entry{Key: "message", Value: s.Message},
		doc.Entry{Key: "model_id", Value: s.ModelID},
		doc.Entry{Key: "reason", Value: s.Reason},
		doc.Entry{Key: "state", Value: s.State},
	)
}

// workersJSON lists every known worker, sorted by name then URL, measured
// against its bundle's expected hash, with its last heartbeat.
func workersJSON(st *gateway.State, fleet Fleet) []byte {
	all := append([]*workers.Info(nil), fleet.Workers()...)
	sort.Slice(all, func(i, j int) bool {
		if all[i].Name != all[j].Name {
			return all[i].Name < all[j].Name
		}
		return all[i].URL < all[j].URL
	})
	hb, _ := fleet.(heartbeats)
	list := make([]*doc.Map, len(all))
	for i, info := range all {
		ws := st.WorkerStatusOf(info)
		var epoch, last any
		if ws.HasConfigEpoch {
			epoch = ws.ConfigEpoch
		}
		if hb != nil {
			if t, ok := hb.LastHeartbeat(info.URL); ok {
				last = timestamp(t)
			}
		}
		list[i] = doc.NewMap(
			doc.Entry{Key: "acked", Value: ws.Acked},
			doc.Entry{Key: "bundle", Value: info.Bundle},
			doc.Entry{Key: "config_epoch", Value: epoch},
			doc.Entry{Key: "connected", Value: info.Connected},
			doc.Entry{Key: "detail", Value: ws.Detail},
			doc.Entry{Key: "health", Value: ws.Health},
			doc.Entry{Key: "last_heartbeat", Value: last},
			doc.Entry{Key: "name", Value: info.Name},
			doc.Entry{Key: "reported_hash", Value: info.BundleConfigHash},
			doc.Entry{Key: "url", Value: info.URL},
		)
	}
	return canonjson.AppendCanonical(nil, list, canonjson.ORJSON)
}

// overviewJSON is one overview: the config part when withConfig (a stream
// leaves it out while it is unchanged), the workers, and the time the
// workers' heartbeats were read, on the gateway's clock.
func overviewJSON(part *configPart, withConfig, ready bool, workersBody []byte, now time.Time) []byte {
	entries := make([]doc.Entry, 0, 6)
	if withConfig {
		entries = append(entries, doc.Entry{Key: "bundles", Value: canonjson.Raw(part.bundles)})
	}
	entries = append(entries,
		doc.Entry{Key: "config_epoch", Value: part.st.Epoch()},
		doc.Entry{Key: "generated_at", Value: timestamp(now)},
	)
	if withConfig {
		entries = append(entries, doc.Entry{Key: "models", Value: canonjson.Raw(part.models)})
	}
	entries = append(entries,
		doc.Entry{Key: "ready", Value: ready},
		doc.Entry{Key: "workers", Value: canonjson.Raw(workersBody)},
	)
	return canonjson.AppendCanonical(nil, doc.NewMap(entries...), canonjson.ORJSON)
}

// timestamp is RFC 3339 in UTC with milliseconds.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }
