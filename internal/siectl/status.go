package siectl

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

func statusCommand(o *options) *cobra.Command {
	var gateways string
	var wait bool
	var timeout, interval time.Duration
	cmd := &cobra.Command{
		Use:   "status MODEL",
		Short: "Fleet-wide readiness of a model: every gateway replica, every bundle",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			urls := splitList(gateways)
			if len(urls) == 0 {
				urls = []string{o.gatewayURL}
			}
			if !wait {
				timeout = 0
			}
			return o.status(cmd.Context(), args[0], urls, timeout, interval)
		},
	}
	cmd.Flags().StringVar(&gateways, "gateways", "", "gateway replica URLs, comma-separated (default --gateway-url)")
	cmd.Flags().BoolVar(&wait, "wait", false, "poll until every replica reports every bundle acked")
	cmd.Flags().DurationVar(&timeout, "timeout", 60*time.Second, "how long --wait polls")
	cmd.Flags().DurationVar(&interval, "interval", 500*time.Millisecond, "poll interval")
	return cmd
}

// replicaStatus is what one gateway says about the model.
type replicaStatus struct {
	URL    string
	Err    string
	Status modelStatus
}

// modelStatus is the gateway's status view (sie-gateway.md §4.2).
type modelStatus struct {
	AllBundlesAcked bool           `json:"all_bundles_acked"`
	Bundles         []bundleStatus `json:"bundles"`
	ConfigEpoch     int64          `json:"config_epoch"`
	ModelID         string         `json:"model_id"`
	NoBundles       bool           `json:"no_bundles"`
}

type bundleStatus struct {
	Acked          bool     `json:"acked"`
	AckedWorkers   []string `json:"acked_workers"`
	BundleID       string   `json:"bundle_id"`
	ExpectedHash   string   `json:"expected_bundle_config_hash"`
	PendingWorkers []string `json:"pending_workers"`
	Eligible       int      `json:"total_eligible_workers"`
}

func (o *options) status(ctx context.Context, model string, urls []string, timeout, interval time.Duration) error {
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		replicas := make([]replicaStatus, len(urls))
		for i, u := range urls {
			replicas[i] = o.fetchStatus(ctx, u, model)
		}
		done := allAcked(replicas)
		if o.output == "" {
			if text := renderStatus(replicas); text != last {
				fmt.Fprint(o.stdout, text)
				last = text
			}
		}
		if done || !time.Now().Before(deadline) {
			if o.output != "" {
				if err := o.print(replicas); err != nil {
					return err
				}
			}
			if done {
				if o.output == "" {
					fmt.Fprintf(o.stdout, "%s: acked on every bundle of %d gateway replica(s)\n", model, len(urls))
				}
				return nil
			}
			return failed("%s is not acked everywhere: %s", model, pendingSummary(replicas))
		}
		select {
		case <-ctx.Done():
			return failed("interrupted")
		case <-time.After(interval):
		}
	}
}

func (o *options) fetchStatus(ctx context.Context, base, model string) replicaStatus {
	rs := replicaStatus{URL: base}
	r, err := o.gatewayClient(base).do(ctx, http.MethodGet, modelPath(model)+"/status", nil, nil)
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
	return rs
}

func allAcked(rs []replicaStatus) bool {
	for _, r := range rs {
		if r.Err != "" || !r.Status.AllBundlesAcked {
			return false
		}
	}
	return len(rs) > 0
}

// renderStatus writes one line per bundle with every replica's
// acked/eligible count and epoch.
func renderStatus(rs []replicaStatus) string {
	byBundle := map[string][]string{}
	var order []string
	var b strings.Builder
	for i, r := range rs {
		if r.Err != "" {
			fmt.Fprintf(&b, "gateway %d (%s): %s\n", i+1, r.URL, r.Err)
			continue
		}
		if r.Status.NoBundles {
			fmt.Fprintf(&b, "gateway %d (%s): the model maps to no bundle\n", i+1, r.URL)
		}
		for _, bs := range r.Status.Bundles {
			if _, seen := byBundle[bs.BundleID]; !seen {
				order = append(order, bs.BundleID)
			}
			byBundle[bs.BundleID] = append(byBundle[bs.BundleID],
				fmt.Sprintf("gw%d %d/%d acked @epoch %d", i+1, len(bs.AckedWorkers), bs.Eligible, r.Status.ConfigEpoch))
		}
	}
	for _, bundle := range order {
		fmt.Fprintf(&b, "%-16s %s\n", bundle, strings.Join(byBundle[bundle], " | "))
	}
	return b.String()
}

func pendingSummary(rs []replicaStatus) string {
	var parts []string
	for i, r := range rs {
		if r.Err != "" {
			parts = append(parts, fmt.Sprintf("gateway %d: %s", i+1, r.Err))
			continue
		}
		for _, bs := range r.Status.Bundles {
			if !bs.Acked {
				pending := append([]string(nil), bs.PendingWorkers...)
				sort.Strings(pending)
				parts = append(parts, fmt.Sprintf("gateway %d bundle %s pending %s (eligible %d)", i+1, bs.BundleID, list(pending), bs.Eligible))
			}
		}
		if r.Status.NoBundles {
			parts = append(parts, fmt.Sprintf("gateway %d: no bundle", i+1))
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
