package controlplane

import (
	"strings"
	"time"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/configdelta"
)

// Warning texts (sie-config.md §9.4).
const (
	warnPublishFailed = "nats_publish_failed: Config persisted but NATS notification failed. Workers may not be updated."
	warnPartialPrefix = "nats_publish_partial: Config persisted but NATS notification failed for bundle(s) "
	warnPartialSuffix = ". Workers on those bundles will stay on the previous epoch until the gateway's periodic epoch poll triggers a re-export."
	storeOpTimeout    = 30 * time.Second
	opIncrementEpoch  = "increment_epoch"
	opWriteModel      = "write_model"
	opDeleteModel     = "delete_model"
	opRollback        = "rollback"
	resultSuccess     = "success"
	resultPartial     = "partial"
	resultFailure     = "failure"
)

// change is a validated write, ready to be made durable and announced.
type change struct {
	id      string
	op      string // the history op (store.OpCreate, …)
	tokenID string // the caller, for the history
	next    *catalog.Snapshot
	model   *catalog.Model // the model after the write; nil when removed
	text    []byte         // document to store; nil means delete the file
	targets []string       // publish targets in bundle order
	added   []string
	deleted bool
}

func bundleHashes(snap *catalog.Snapshot, targets []string) map[string]string {
	out := make(map[string]string, len(targets))
	for _, b := range targets {
		out[b] = snap.ConfigBundleHash(b)
	}
	return out
}

func (s *Service) buildDeltas(ch change, epoch int64, hashes map[string]string) []delta {
	p := configdelta.Payload{RouterID: s.routerID, Epoch: uint64(epoch), ModelID: ch.id, ProfilesAdded: ch.added, Deleted: ch.deleted}
	if ch.model != nil {
		p.ModelConfig = ch.model.Text()
		p.AffectedBundles = ch.model.Bundles()
	}
	if len(ch.targets) == 0 {
		return []delta{{bundle: "", data: p.Encode()}}
	}
	out := make([]delta, 0, len(ch.targets))
	for _, b := range ch.targets {
		p.BundleID, p.BundleConfigHash = b, hashes[b]
		out = append(out, delta{bundle: b, data: p.Encode()})
	}
	return out
}

// checkMaxPayload refuses a change whose deltas would exceed the server's
// max_payload. It sizes the payloads with a full-length placeholder hash and
// waits for the real hashes only when that bound is over the limit. (A
// payload so close to the limit that the generation header does not fit
// leaves without it; gateways then resync instead of applying it.)
func (s *Service) checkMaxPayload(ch change, epoch int64, hashes func() map[string]string) error {
	if s.pub == nil || !s.pub.Connected() {
		return nil
	}
	max := s.pub.MaxPayload()
	if max <= 0 {
		return nil
	}
	bound := map[string]string{}
	for _, b := range ch.targets {
		bound[b] = strings.Repeat("0", 64)
	}
	if !exceeds(s.buildDeltas(ch, epoch, bound), max) {
		return nil
	}
	for _, d := range s.buildDeltas(ch, epoch, hashes()) {
		if n := int64(len(d.data)); n > max {
			return &PayloadTooLargeError{Size: n, Max: max}
		}
	}
	return nil
}

func exceeds(deltas []delta, max int64) bool {
	for _, d := range deltas {
		if int64(len(d.data)) > max {
			return true
		}
	}
	return false
}

// announcement is a committed change's messages on their way out.
type announcement struct {
	bundles  []string    // one per delta ("" = _all only)
	msgs     [][]*outMsg // each delta's messages: the bundle subject, then _all
	deadline time.Time
}

// announce queues the deltas of a committed change: for each target its
// bundle subject, then the same bytes on _all, each carrying the generation
// as a header. The caller holds writeMu, so changes are queued, and leave,
// in epoch order.
func (s *Service) announce(deltas []delta, generation string) *announcement {
	if s.out == nil {
		return nil
	}
	header := map[string]string{GenerationHeader: generation}
	ann := &announcement{deadline: time.Now().Add(s.publishTimeout)}
	var all []*outMsg
	for _, d := range deltas {
		g := &outGroup{}
		msgs := []*outMsg{{subject: bus.SubjectAll, header: header, data: d.data, group: g}}
		if d.bundle != "" {
			msgs = []*outMsg{{subject: bus.SubjectForBundle(d.bundle), header: header, data: d.data, group: g}, msgs[0]}
		}
		ann.bundles = append(ann.bundles, d.bundle)
		ann.msgs = append(ann.msgs, msgs)
		all = append(all, msgs...)
	}
	s.out.enqueue(all)
	return ann
}

// await waits (outside the write lock, at most the publish timeout) for an
// announcement and returns the warnings of §9.4. Failures only warn: the
// bumped epoch lets pollers converge anyway, and unsent messages stay
// queued for re-sending, so a committed change is never left unannounced.
func (s *Service) await(ann *announcement) []string {
	if ann == nil {
		return []string{}
	}
	var flat []*outMsg
	for _, msgs := range ann.msgs {
		flat = append(flat, msgs...)
	}
	sent := s.out.wait(flat, ann.deadline)
	var failed []string
	i := 0
	for d, msgs := range ann.msgs {
		ok := true
		for range msgs {
			ok = ok && sent[i]
			i++
		}
		if !ok {
			failed = append(failed, ann.bundles[d])
		}
	}
	switch {
	case len(failed) == 0:
		s.countPublish(resultSuccess)
		return []string{}
	case len(failed) == len(ann.msgs):
		s.countPublish(resultFailure)
		return []string{warnPublishFailed}
	default:
		s.countPublish(resultPartial)
		return []string{warnPartialPrefix + catalog.PyList(failed) + warnPartialSuffix}
	}
}

// Republish re-sends what failed earlier and waits for it, at most the
// publish timeout; sie-config calls it when NATS (re)connects, and a
// retried write (a replay) does too.
func (s *Service) Republish() {
	if s.out == nil {
		return
	}
	s.out.flush(time.Now().Add(s.publishTimeout))
}

// PendingDeltas is the number of messages awaiting a (re-)send.
func (s *Service) PendingDeltas() int {
	if s.out == nil {
		return 0
	}
	return s.out.pending()
}

func (s *Service) countPublish(result string) {
	if s.metrics != nil {
		s.metrics.Publishes.WithLabelValues(result).Inc()
	}
}
