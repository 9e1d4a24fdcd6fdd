package siectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
)

func statusCommand(o *options) *cobra.Command {
	var gateways string
	var wait bool
	var timeout, interval time.Duration
	cmd := &cobra.Command{
		Use:   "status MODEL",
		Short: "Readiness of a model on every gateway replica: state, why, and each worker's detail",
		Long: "Asks one gateway (--gateway-url; behind a Service any replica will do) for the model's rollout\n" +
			"across every gateway replica: the worst state (ready, acked_unservable, pending, no_workers,\n" +
			"unroutable) and its message, the replicas that answered and those that did not, the acked and\n" +
			"eligible worker counts, and per replica its bundles and the workers that are not acked with their\n" +
			"detail. With --wait it blocks on the gateway's long-poll and prints a progress line whenever a\n" +
			"count changes. Exits 0 only when the model is ready on every replica; otherwise prints the message\n" +
			"and exits 1. --gateways asks each listed replica's own status instead (gateways without /rollout\n" +
			"get the same treatment automatically).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !wait {
				timeout = 0
			}
			urls := splitList(gateways)
			if len(urls) == 0 {
				err := o.rolloutStatus(cmd.Context(), args[0], timeout, interval)
				if !errors.Is(err, errNoRollout) {
					return err
				}
				urls = []string{o.gatewayURL}
			}
			return o.status(cmd.Context(), args[0], urls, 0, timeout, interval)
		},
	}
	cmd.Flags().StringVar(&gateways, "gateways", "", "ask each of these gateway replica URLs (comma-separated) for its own status instead of one /rollout")
	cmd.Flags().BoolVar(&wait, "wait", false, "wait until every replica reports the model ready")
	cmd.Flags().DurationVar(&timeout, "timeout", 60*time.Second, "how long --wait waits")
	cmd.Flags().DurationVar(&interval, "interval", time.Second, "with --wait, the longest time between two progress checks")
	return cmd
}

// replicaStatus is what one gateway says about the model.
type replicaStatus struct {
	URL    string      `json:"gateway"`
	Err    string      `json:"error,omitempty"`
	Status modelStatus `json:"status"`
}

// modelStatus is the gateway's status view (sie-gateway.md §4.2 with the
// explained readiness of extensions E4).
type modelStatus struct {
	AllBundlesAcked bool           `json:"all_bundles_acked"`
	Bundles         []bundleStatus `json:"bundles"`
	ConfigEpoch     int64          `json:"config_epoch"`
	Message         string         `json:"message"`
	ModelID         string         `json:"model_id"`
	NoBundles       bool           `json:"no_bundles"`
	Reason          string         `json:"reason"`
	State           string         `json:"state"`
	WorkerView      *struct {
		Form    string   `json:"form"`
		Reasons []string `json:"reasons"`
	} `json:"worker_view,omitempty"`
}

type bundleStatus struct {
	Acked          bool           `json:"acked"`
	AckedWorkers   []string       `json:"acked_workers"`
	BundleID       string         `json:"bundle_id"`
	ExpectedHash   string         `json:"expected_bundle_config_hash"`
	PendingWorkers []string       `json:"pending_workers"`
	Eligible       int            `json:"total_eligible_workers"`
	Workers        []workerStatus `json:"workers"`
}

type workerStatus struct {
	Acked        bool   `json:"acked"`
	ConfigEpoch  *int64 `json:"config_epoch"`
	Detail       string `json:"detail"`
	Health       string `json:"health"`
	Name         string `json:"name"`
	ReportedHash string `json:"reported_hash"`
}

const stateReady = "ready"

// status reports the model on every replica; with a timeout it waits for
// them all to be ready, long-polling each (so it returns as soon as they
// are) and printing the view again whenever it changes.
func (o *options) status(ctx context.Context, model string, urls []string, minEpoch int64, timeout, interval time.Duration) error {
	deadline := time.Now().Add(timeout)
	interval = max(interval, 100*time.Millisecond)
	last := ""
	for {
		window := time.Duration(0)
		if timeout > 0 {
			window = min(interval, time.Until(deadline))
		}
		start := time.Now()
		replicas := o.fetchAll(ctx, urls, model, minEpoch, window)
		done := allReady(replicas, minEpoch)
		if o.output == "" {
			if text := renderStatus(replicas); text != last {
				fmt.Fprint(o.stdout, text)
				last = text
			}
		}
		if done || !time.Now().Before(deadline) || ctx.Err() != nil {
			if o.output != "" {
				if err := o.print(replicas); err != nil {
					return err
				}
			}
			if done {
				if o.output == "" {
					fmt.Fprintf(o.stdout, "%s: ready on %d gateway replica(s)\n", model, len(urls))
				}
				return nil
			}
			return failed("%s is not ready: %s", model, notReadySummary(replicas))
		}
		// A gateway without the long-poll answers at once: pace the checks.
		select {
		case <-ctx.Done():
		case <-time.After(window - time.Since(start)):
		}
	}
}

// fetchAll asks every replica at once; with a window each request is a
// long-poll that answers early when the model is ready.
func (o *options) fetchAll(ctx context.Context, urls []string, model string, minEpoch int64, window time.Duration) []replicaStatus {
	out := make([]replicaStatus, len(urls))
	var wg sync.WaitGroup
	for i, u := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = o.fetchStatus(ctx, u, model, minEpoch, window)
		}()
	}
	wg.Wait()
	return out
}

func (o *options) fetchStatus(ctx context.Context, base, model string, minEpoch int64, window time.Duration) replicaStatus {
	rs := replicaStatus{URL: base}
	path := modelPath(model) + "/status"
	if window > 0 {
		q := url.Values{"wait": {"ready"}, "timeout": {window.Round(time.Millisecond).String()}}
		if minEpoch > 0 {
			q.Set("min_epoch", fmt.Sprint(minEpoch))
		}
		path += "?" + q.Encode()
	}
	r, err := o.gatewayClient(base).do(ctx, http.MethodGet, path, nil, nil)
	switch {
	case err != nil:
		rs.Err = err.Error()
	case !r.ok():
		rs.Err = fmt.Sprintf("%d %s", r.status, strings.TrimSpace(string(r.body)))
	default:
		if err := json.Unmarshal(r.body, &rs.Status); err != nil {
			rs.Err = "unreadable status: " + err.Error()
		}
	}
	if window > 0 && rs.Err != "" {
		// An unreachable replica answers at once; do not spin on it.
		select {
		case <-ctx.Done():
		case <-time.After(window):
		}
	}
	return rs
}

func allReady(rs []replicaStatus, minEpoch int64) bool {
	for _, r := range rs {
		if r.Err != "" || r.Status.State != stateReady || r.Status.ConfigEpoch < minEpoch {
			return false
		}
	}
	return len(rs) > 0
}

// renderStatus writes, per replica, the state and the message, one line
// per bundle with the acked/eligible count and the epoch, and one line per
// worker that is not acked with its detail.
func renderStatus(rs []replicaStatus) string {
	var b strings.Builder
	for i, r := range rs {
		prefix := ""
		if len(rs) > 1 {
			prefix = fmt.Sprintf("gw%d ", i+1)
		}
		if r.Err != "" {
			fmt.Fprintf(&b, "%serror    %s: %s\n", prefix, r.URL, r.Err)
			continue
		}
		s := r.Status
		fmt.Fprintf(&b, "%sstate    %s\n", prefix, orUnknown(s.State))
		fmt.Fprintf(&b, "%smessage  %s\n", prefix, s.Message)
		for _, bs := range s.Bundles {
			fmt.Fprintf(&b, "%s  %-16s %d/%d acked @epoch %d\n", prefix, bs.BundleID, len(bs.AckedWorkers), bs.Eligible, s.ConfigEpoch)
			for _, w := range bs.Workers {
				if w.Acked {
					continue
				}
				epoch := "?"
				if w.ConfigEpoch != nil {
					epoch = fmt.Sprint(*w.ConfigEpoch)
				}
				fmt.Fprintf(&b, "%s    %-24s %-9s %-14s config epoch %s\n", prefix, w.Name, w.Health, w.Detail, epoch)
			}
		}
	}
	return b.String()
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown (the gateway does not explain its status)"
	}
	return s
}

func notReadySummary(rs []replicaStatus) string {
	var parts []string
	for i, r := range rs {
		switch {
		case r.Err != "":
			parts = append(parts, fmt.Sprintf("gateway %d: %s", i+1, r.Err))
		case r.Status.State != stateReady:
			parts = append(parts, fmt.Sprintf("gateway %d: %s: %s", i+1, orUnknown(r.Status.State), r.Status.Message))
		}
	}
	return strings.Join(parts, "; ")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
