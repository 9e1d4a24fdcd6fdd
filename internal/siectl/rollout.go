package siectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// rolloutView is a gateway's GET …/{id}/rollout answer: every gateway
// replica's status view and their aggregate.
type rolloutView struct {
	AllGatewaysReady bool            `json:"all_gateways_ready"`
	ConfigEpoch      int64           `json:"config_epoch"`
	Gateways         []gatewayStatus `json:"gateways"`
	GatewaysAnswered int             `json:"gateways_answered"`
	GatewaysKnown    int             `json:"gateways_known"`
	Message          string          `json:"message"`
	MissingGateways  []string        `json:"missing_gateways"`
	ModelID          string          `json:"model_id"`
	Reason           string          `json:"reason"`
	State            string          `json:"state"`
	Totals           struct {
		AckedWorkers    int `json:"acked_workers"`
		EligibleWorkers int `json:"eligible_workers"`
	} `json:"totals"`
}

// gatewayStatus is one replica's view within a rollout.
type gatewayStatus struct {
	GatewayID string `json:"gateway_id"`
	modelStatus
}

// errNoRollout is a gateway that does not serve /rollout (404 on it).
var errNoRollout = errors.New("the gateway does not serve /rollout")

// rolloutWait is one rollout check: at once, or a long-poll.
type rolloutWait struct {
	minEpoch int64
	window   time.Duration // 0: answer at once
}

// fetchRollout reads the rollout of model on base. A 404 is errNoRollout
// when the gateway's /status knows the model (an older gateway), and the
// gateway's error otherwise.
func (o *options) fetchRollout(ctx context.Context, base, model string, w rolloutWait) (*rolloutView, []byte, error) {
	path := modelPath(model) + "/rollout"
	if w.window > 0 {
		q := url.Values{"wait": {"ready"}, "timeout": {w.window.Round(time.Millisecond).String()}}
		if w.minEpoch > 0 {
			q.Set("min_epoch", fmt.Sprint(w.minEpoch))
		}
		path += "?" + q.Encode()
	}
	c := o.gatewayClient(base)
	r, err := c.do(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	if r.status == http.StatusNotFound {
		if s, serr := c.do(ctx, http.MethodGet, modelPath(model)+"/status", nil, nil); serr == nil && s.ok() {
			return nil, nil, errNoRollout
		}
	}
	if !r.ok() {
		return nil, nil, parseAPIError(r.status, r.body)
	}
	var v rolloutView
	if err := json.Unmarshal(r.body, &v); err != nil {
		return nil, nil, fmt.Errorf("unreadable rollout from %s: %w", base, err)
	}
	return &v, r.body, nil
}

// watchRollout checks the model's rollout through one gateway until it is
// ready at minEpoch or the timeout passes (0: a single check), printing a
// progress line whenever a count changes (progress is nil for none). It
// returns the last view.
func (o *options) watchRollout(ctx context.Context, base, model string, minEpoch int64, timeout, interval time.Duration,
	progress io.Writer) (*rolloutView, []byte, error) {
	deadline := time.Now().Add(timeout)
	interval = max(interval, 100*time.Millisecond)
	last := ""
	for {
		w := rolloutWait{minEpoch: minEpoch}
		if timeout > 0 {
			w.window = min(interval, time.Until(deadline))
		}
		start := time.Now()
		v, body, err := o.fetchRollout(ctx, base, model, w)
		if err != nil {
			if errors.Is(err, errNoRollout) || timeout <= 0 || !time.Now().Before(deadline) || ctx.Err() != nil {
				return nil, nil, err
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
				return nil, nil, err
			}
			// Not on the gateway yet: keep waiting for it.
		} else {
			if line := progressLine(v); progress != nil && line != last {
				fmt.Fprintf(progress, "%s  %s\n", model, line)
				last = line
			}
			if rolloutDone(v, minEpoch) || timeout <= 0 || !time.Now().Before(deadline) || ctx.Err() != nil {
				return v, body, nil
			}
		}
		// A gateway that answers at once (an error, or no long-poll): pace.
		select {
		case <-ctx.Done():
		case <-time.After(w.window - time.Since(start)):
		}
	}
}

func rolloutDone(v *rolloutView, minEpoch int64) bool {
	return v.State == stateReady && v.ConfigEpoch >= minEpoch
}

// progressLine is the rollout's counts on one line.
func progressLine(v *rolloutView) string {
	line := fmt.Sprintf("%-16s gateways %d/%d  workers %d/%d acked  epoch %d", v.State, v.GatewaysAnswered, v.GatewaysKnown,
		v.Totals.AckedWorkers, v.Totals.EligibleWorkers, v.ConfigEpoch)
	if len(v.MissingGateways) > 0 {
		line += "  missing " + strings.Join(v.MissingGateways, ",")
	}
	return line
}

// renderRollout writes the state, the message, the counts, and per
// gateway its state and bundles with the workers that are not acked.
func renderRollout(w io.Writer, v *rolloutView) {
	fmt.Fprintf(w, "state     %s\n", orUnknown(v.State))
	fmt.Fprintf(w, "message   %s\n", v.Message)
	fmt.Fprintf(w, "gateways  %d of %d answered", v.GatewaysAnswered, v.GatewaysKnown)
	if len(v.MissingGateways) > 0 {
		fmt.Fprintf(w, "; missing: %s", strings.Join(v.MissingGateways, ", "))
	}
	fmt.Fprintf(w, "\nworkers   %d/%d acked (epoch %d)\n", v.Totals.AckedWorkers, v.Totals.EligibleWorkers, v.ConfigEpoch)
	for _, g := range v.Gateways {
		fmt.Fprintf(w, "  %-20s %-16s epoch %d\n", g.GatewayID, g.State, g.ConfigEpoch)
		for _, bs := range g.Bundles {
			fmt.Fprintf(w, "    %-16s %d/%d acked\n", bs.BundleID, len(bs.AckedWorkers), bs.Eligible)
			for _, wk := range bs.Workers {
				if wk.Acked {
					continue
				}
				epoch := "?"
				if wk.ConfigEpoch != nil {
					epoch = fmt.Sprint(*wk.ConfigEpoch)
				}
				fmt.Fprintf(w, "      %-24s %-9s %-14s config epoch %s\n", wk.Name, wk.Health, wk.Detail, epoch)
			}
		}
	}
}

// rolloutStatus is `status MODEL` through one gateway's /rollout; it
// returns errNoRollout for a gateway without it.
func (o *options) rolloutStatus(ctx context.Context, model string, timeout, interval time.Duration) error {
	var progress io.Writer
	if o.output == "" && timeout > 0 {
		progress = o.stdout
	}
	v, body, err := o.watchRollout(ctx, o.gatewayURL, model, 0, timeout, interval, progress)
	if err != nil {
		if errors.Is(err, errNoRollout) {
			return err
		}
		return failed("%s is not ready: %v", model, err)
	}
	if o.output != "" {
		if err := o.print(serverJSON(body)); err != nil {
			return err
		}
	} else {
		renderRollout(o.stdout, v)
	}
	if v.State != stateReady {
		return failed("%s is not ready: %s", model, v.Message)
	}
	if o.output == "" {
		fmt.Fprintf(o.stdout, "%s: ready on %d gateway(s), %d/%d workers acked (epoch %d)\n", model, v.GatewaysAnswered,
			v.Totals.AckedWorkers, v.Totals.EligibleWorkers, v.ConfigEpoch)
	}
	return nil
}

// waitWritten waits for each written model to be ready everywhere at the
// epoch of its write, all within one timeout. It returns the models that
// are not, with their messages.
func (o *options) waitWritten(ctx context.Context, written []writtenModel, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var progress io.Writer
	if o.output == "" {
		progress = o.stdout
	}
	var notReady []string
	for _, m := range written {
		left := max(time.Until(deadline), time.Millisecond)
		v, _, err := o.watchRollout(ctx, o.gatewayURL, m.id, m.epoch, left, time.Second, progress)
		if errors.Is(err, errNoRollout) {
			// An older gateway: its own status view, long-polled.
			if serr := o.status(ctx, m.id, []string{o.gatewayURL}, m.epoch, left, time.Second); serr != nil {
				notReady = append(notReady, serr.Error())
			}
			continue
		}
		switch {
		case err != nil:
			notReady = append(notReady, fmt.Sprintf("%s is not ready: %v", m.id, err))
		case !rolloutDone(v, m.epoch):
			notReady = append(notReady, fmt.Sprintf("%s is not ready: %s", m.id, v.Message))
		}
	}
	if len(notReady) > 0 {
		return failed("%s", strings.Join(notReady, "; "))
	}
	if o.output == "" && len(written) > 0 {
		fmt.Fprintf(o.stdout, "Ready on every gateway: %d model(s).\n", len(written))
	}
	return nil
}

// writtenModel is a model apply wrote, and the epoch of that write.
type writtenModel struct {
	id    string
	epoch int64
}
