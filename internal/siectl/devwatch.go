package siectl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/configdelta"
)

// ackWatchLimit is how long `siectl dev` follows one write's acks.
const ackWatchLimit = 60 * time.Second

// devWatcher prints one line per write (from the deltas sie-config
// publishes) and one per change of a written model's ack counts (from the
// first gateway's status view), so a newcomer sees writes propagate.
type devWatcher struct {
	out     io.Writer
	gateway *client
	poll    time.Duration

	mu       sync.Mutex // serialises output lines and trackers
	trackers map[string]context.CancelFunc
	lastSeen map[string]int64 // model → last epoch printed (one line per write, not per bundle copy)
	wg       sync.WaitGroup
}

// watch follows the cluster until ctx ends.
func (cl *devCluster) watch(ctx context.Context, o *options, out io.Writer) (stop func(), err error) {
	// The watcher reads what a gateway reads, with a gateway's NATS user
	// under --secure.
	opts, err := cl.natsCredentials(bus.RoleGateway, "").Options()
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect(cl.natsURL, append(opts, nats.Name("siectl dev watcher"))...)
	if err != nil {
		return nil, err
	}
	w := &devWatcher{out: out, gateway: o.gatewayClient(cl.gateways[0].URL()), poll: 200 * time.Millisecond,
		trackers: map[string]context.CancelFunc{}, lastSeen: map[string]int64{}}
	wctx, cancel := context.WithCancel(ctx)
	sub, err := nc.Subscribe(bus.SubjectAll, func(m *nats.Msg) { w.onDelta(wctx, m.Data) })
	if err != nil {
		cancel()
		nc.Close()
		return nil, err
	}
	return func() {
		_ = sub.Unsubscribe()
		nc.Close()
		cancel()
		w.wg.Wait()
	}, nil
}

func (w *devWatcher) onDelta(ctx context.Context, data []byte) {
	d, err := configdelta.Decode(data)
	if err != nil || d.ModelID == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	epoch := int64(d.Epoch)
	if w.lastSeen[d.ModelID] >= epoch {
		return // another bundle's copy of the same write
	}
	w.lastSeen[d.ModelID] = epoch
	what := "written"
	switch {
	case d.Deleted:
		what = "deleted (API document removed)"
	case len(d.ProfilesAdded) > 0:
		what = "written, profiles added: " + strings.Join(d.ProfilesAdded, ",")
	}
	bundles := d.AffectedBundles
	if len(bundles) == 0 && d.BundleID != "" {
		bundles = []string{d.BundleID} // a removed model maps to no bundle any more
	}
	fmt.Fprintf(w.out, "write  epoch %d  %s %s  (bundles %s)\n", d.Epoch, d.ModelID, what, list(bundles))
	if cancel := w.trackers[d.ModelID]; cancel != nil {
		cancel()
	}
	tctx, cancel := context.WithTimeout(ctx, ackWatchLimit)
	w.trackers[d.ModelID] = cancel
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer cancel()
		w.trackAcks(tctx, d.ModelID, epoch, d.Deleted)
	}()
}

// trackAcks prints the model's acked/eligible workers per bundle whenever
// they change, until every bundle is acked at the write's epoch or the
// tracker is superseded or times out. The watcher and the gateway both
// receive the delta, in no set order: a model the gateway does not know yet
// is gone only when the write was a removal.
func (w *devWatcher) trackAcks(ctx context.Context, model string, epoch int64, removal bool) {
	last := ""
	t := time.NewTicker(w.poll)
	defer t.Stop()
	for {
		r, err := w.gateway.do(ctx, http.MethodGet, modelPath(model)+"/status", nil, nil)
		if err == nil && r.status == http.StatusNotFound && removal {
			return // the model is gone
		}
		if err == nil && r.ok() {
			var st struct {
				All     bool  `json:"all_bundles_acked"`
				Epoch   int64 `json:"config_epoch"`
				Bundles []struct {
					BundleID string   `json:"bundle_id"`
					Acked    []string `json:"acked_workers"`
					Eligible int      `json:"total_eligible_workers"`
				} `json:"bundles"`
			}
			if json.Unmarshal(r.body, &st) == nil && st.Epoch >= epoch {
				var parts []string
				for _, b := range st.Bundles {
					parts = append(parts, fmt.Sprintf("%s %d/%d", b.BundleID, len(b.Acked), b.Eligible))
				}
				line := "acks   " + model + "  " + strings.Join(parts, ", ") + " workers acked"
				if st.All {
					line += "  (all acked)"
				}
				if line != last {
					w.mu.Lock()
					if ctx.Err() == nil {
						fmt.Fprintln(w.out, line)
					}
					w.mu.Unlock()
					last = line
				}
				if st.All {
					return
				}
			}
		}
		select {
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded && last != "" {
				w.mu.Lock()
				fmt.Fprintf(w.out, "acks   %s  still pending after %s (siectl status %s explains why)\n", model, ackWatchLimit, model)
				w.mu.Unlock()
			}
			return
		case <-t.C:
		}
	}
}
