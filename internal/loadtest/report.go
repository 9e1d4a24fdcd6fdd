package loadtest

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

func load() string {
	out, err := exec.Command("uptime").Output()
	if err != nil {
		data, _ := os.ReadFile("/proc/loadavg")
		return strings.TrimSpace(string(data))
	}
	s := strings.TrimSpace(string(out))
	if i := strings.Index(s, "load average"); i >= 0 {
		return s[i:]
	}
	return s
}

func ratio(a, b time.Duration) string { return fmt.Sprintf("%.2f×", float64(a)/float64(b)) }

// Report runs the scenarios count times each and prints their figures as
// ratios against the floors measured in the same run, with the load.
func Report(e *Env, scenarios []string, count, writes, restoreDocs int, writersFor time.Duration) error {
	for run := 1; run <= count; run++ {
		for _, sc := range scenarios {
			e.printf("# run %d, %s, %s\n", run, sc, load())
			switch sc {
			case "post":
				var small PostResult
				for _, n := range []int{100, 10000} {
					r, err := Post(e, n, writes)
					if err != nil {
						return err
					}
					e.printf("post models=%d p50 %s p99 %s floor %s p50/floor %s | propagation p50 %s p99 %s (NATS round trip p50 %s p99 %s)\n",
						n, ms(r.P50), ms(r.P99), ms(r.FloorP50), ratio(r.P50, r.FloorP50), ms(r.PropP50), ms(r.PropP99), ms(r.NATSRoundP50), ms(r.NATSRound99))
					if n == 100 {
						small = r
					} else {
						e.printf("post p50 at %d / p50 at 100: %s\n", n, ratio(r.P50, small.P50))
					}
				}
			case "post100k":
				r, err := Post(e, 100000, writes)
				if err != nil {
					return err
				}
				e.printf("post models=100000 p50 %s p99 %s | floor (SHA-256 of the re-hashed text + durable replace) %s p50/floor %s | propagation p50 %s p99 %s\n",
					ms(r.P50), ms(r.P99), ms(r.RehashFloor), ratio(r.P50, r.RehashFloor), ms(r.PropP50), ms(r.PropP99))
			case "writers", "writers100k":
				models := 100
				if sc == "writers100k" {
					models = 100000
				}
				rs, err := Writers(e, models, []int{1, 8, 64}, writersFor)
				if err != nil {
					return err
				}
				for _, r := range rs {
					e.printf("writers=%d models=%d %.0f writes/s | serial durable replace %.0f/s | ratio %.2f× | sie-config CPU %s/write\n",
						r.Writers, models, r.Rate, r.SerialRate, r.Rate/r.SerialRate, ms(r.CPUPerWrite))
				}
			case "restore":
				r, err := Restore(e, restoreDocs)
				if err != nil {
					return err
				}
				perModel := func(rss, base int64) float64 { return float64(rss-base) / float64(r.Docs) }
				e.printf("restore docs=%d healthz after %s, ready after %s | read-and-parse floor %s | ratio %s\n",
					r.Docs, ms(r.Healthz), ms(r.Ready), ms(r.Floor), ratio(r.Ready, r.Floor))
				e.printf("gateway bootstrap of %d models %s\n", r.Docs, ms(r.Bootstrap))
				e.printf("memory per model (RSS over an empty process; document text %.0f B/model): sie-config %.0f B, gateway %.0f B\n",
					float64(r.TextBytes)/float64(r.Docs), perModel(r.ConfigRSS, r.ConfigBase), perModel(r.GatewayRSS, r.GatewayBase))
			default:
				return fmt.Errorf("unknown scenario %q", sc)
			}
		}
	}
	return nil
}
