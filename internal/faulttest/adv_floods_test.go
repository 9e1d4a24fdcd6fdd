package faulttest

// The adversarial suite, part 3: floods against the real binaries, with
// their memory (VmRSS, VmHWM from /proc) and log volume as the bounds.

import (
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/testkit"
)

// memory reads a process's resident set and its peak, in MiB.
func memory(t testing.TB, pid int) (rss, hwm float64) {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			hwm = kb / 1024
		}
	}
	return rss, hwm
}

// TestAdvLongIdempotencyKeys: 150 requests with 1 MB Idempotency-Keys
// added 241 MB to sie-config. Now a header over 64 KiB is refused by the
// HTTP server (431), a key over 255 bytes by sie-config (400), and the
// cache holds at most 1,000 keys of 255 bytes.
func TestAdvLongIdempotencyKeys(t *testing.T) {
	w := newWorld(t, "idem", 1, 1)
	proc := newConfigProc(t, configOptions{CatalogDir: w.catalog})
	proc.Start()
	base := proc.URL()
	first := planCreate(w.owned[0][0])
	mustWrite(t, w, base, first)
	body := first.body // a replay: 200, nothing new
	pid := proc.cmd.Process.Pid
	rss0, _ := memory(t, pid)
	codes := map[int]int{}
	for i := range 150 {
		for _, key := range []string{
			strings.Repeat("k", 1<<20),  // over the header cap
			strings.Repeat("k", 60<<10), // under the cap, over the key limit
			fmt.Sprintf("%0255d", i),    // the longest key allowed
		} {
			code, _, err := httpDo(base, "POST", "/v1/configs/models", body, "Idempotency-Key", key)
			if err != nil {
				t.Fatal(err)
			}
			codes[code]++
		}
	}
	if codes[431] != 150 || codes[400] != 150 || codes[200]+codes[201] != 150 {
		t.Fatalf("answers %v", codes)
	}
	rss1, hwm := memory(t, pid)
	if hwm-rss0 > 40 {
		t.Errorf("sie-config's peak memory grew by %.0f MiB (from %.0f to %.0f)", hwm-rss0, rss0, hwm)
	}
	report(t, map[string]any{"answers": codes, "rss_before_mib": rss0, "rss_after_mib": rss1, "peak_mib": hwm})
}

// slowExport is a reverse proxy to sie-config that can hold /export
// answers back, so a gateway's resync stays in flight while deltas arrive.
type slowExport struct {
	delay   atomic.Int64 // nanoseconds
	exports atomic.Int64
	srv     *http.Server
	url     string
}

func startSlowExport(t testing.TB, target string) *slowExport {
	t.Helper()
	u, _ := url.Parse(target)
	rp := httputil.NewSingleHostReverseProxy(u)
	s := &slowExport{}
	port := testkit.FreePort(t)
	s.url = "http://127.0.0.1:" + strconv.Itoa(port)
	s.srv = &http.Server{Addr: "127.0.0.1:" + strconv.Itoa(port), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/configs/export" {
			s.exports.Add(1)
			if d := time.Duration(s.delay.Load()); d > 0 {
				select {
				case <-time.After(d):
				case <-r.Context().Done():
					return
				}
			}
		}
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = s.srv.ListenAndServe() }()
	t.Cleanup(func() { _ = s.srv.Close() })
	testkit.Eventually(t, 10*time.Second, "proxy up", func() (bool, string) {
		code, _, err := httpDo(s.url, "GET", "/healthz", nil)
		return err == nil && code == 200, fmt.Sprint(err)
	})
	return s
}

// floodDeltas forged 200 KB deltas arrive during one resync: 300 MB, more
// than the replay buffer, the subscription queue and their garbage.
const floodDeltas = 1500

// TestAdvHostileDeltaFloods: three floods of deltas on a NATS without auth
// (what the permission matrix now prevents) against the real sie-gateway:
//   - 500 forged 200 KB deltas while a resync is in flight took the gateway
//     from 51 to 308 MB (the replay buffer was capped in messages only);
//   - 100 untrusted 1 MB deltas added 104 MB of log;
//   - 5,353 forged "gap" deltas caused 274 resyncs (each an /export) in 20 s.
func TestAdvHostileDeltaFloods(t *testing.T) {
	p := loadParams(t)
	ns := startNATS(t, 8<<20)
	w := newWorld(t, "flood", 1, 1)
	proc := newConfigProc(t, configOptions{CatalogDir: w.catalog, NATSURL: ns.URL()})
	proc.Start()
	base := proc.URL()
	waitNATSConnected(t, base, true)
	mustWrite(t, w, base, planCreate(w.owned[0][0]))
	slow := startSlowExport(t, base)
	gw := startGatewayProc(t, "gw-bin", slow.url, ns.URL(), time.Hour)
	testkit.Eventually(t, 20*time.Second, "gateway subscribed", func() (bool, string) { return ns.Subscriptions() >= 1, "" })
	waitConvergedTo(t, fetchExport(t, base), []*gatewayProc{gw}, time.Now(), 10*time.Second)
	gen := generationOf(t, base)
	pub := publisher(t, ns.URL())
	send := func(data []byte, generation string) {
		m := nats.NewMsg(bus.SubjectAll)
		m.Data = data
		if generation != "" {
			m.Header.Set(bus.GenerationHeader, generation)
		}
		if err := pub.PublishMsg(m); err != nil {
			t.Fatal(err)
		}
	}
	pid := gw.cmd.Process.Pid
	l := fetchExport(t, base).Epoch
	figures := map[string]any{}

	// 1. Forged 200 KB deltas during a resync.
	rss0, hwm0 := memory(t, pid)
	slow.delay.Store(int64(2 * time.Second))
	send(deltaPayload("sie-config-0", l+5, "flood/gap", "sie_id: flood/gap\n"+validProfile), gen) // a gap: resync
	testkit.Eventually(t, 10*time.Second, "the resync is waiting for its export", func() (bool, string) { return slow.exports.Load() >= 2, "" })
	doc := "sie_id: flood/big\n" + validProfile + "description: '" + strings.Repeat("z", 200_000) + "'\n"
	bigDelta := payloadTemplate("sie-config-0", "flood/big", doc) // quoted once: the test runs under -race
	for i := range floodDeltas {
		send(bigDelta(l+6+uint64(i)), gen)
	}
	if err := pub.Flush(); err != nil {
		t.Fatal(err)
	}
	slow.delay.Store(0)
	want := fetchExport(t, base)
	testkit.Eventually(t, 30*time.Second, "the gateway recovers the export", func() (bool, string) { return gw.convergedTo(want) })
	rss1, hwm1 := memory(t, pid)
	// The bound: the 64 MiB replay buffer and the 16 MiB subscription
	// queue, twice over for the garbage collector's headroom, and some
	// slack; the flood (300 MB) is larger, so a gateway that kept it would
	// exceed the bound.
	if hwm1-rss0 > 250 {
		t.Errorf("%d × 200 KB forged deltas during a resync raised the gateway's peak memory by %.0f MiB (%.0f → %.0f)", floodDeltas, hwm1-rss0, rss0, hwm1)
	}
	figures["forged_rss_before_mib"], figures["forged_peak_mib"], figures["forged_rss_after_mib"] = rss0, hwm1, rss1
	_ = hwm0

	// 2. Untrusted 1 MB deltas: the log stays small.
	logBefore := len(gw.Logs())
	untrusted := deltaPayload(strings.Repeat("r", 1<<20), l+1, "flood/u", "sie_id: flood/u\n"+validProfile)
	invalid := func() float64 {
		return sumMetric(scrape(gw.URL()), "sie_gateway_config_deltas_total", `result="invalid_envelope"`)
	}
	sentinel := invalid()
	for range 100 {
		send(untrusted, gen)
	}
	send([]byte("sentinel"), "") // handled after every flood message the client kept
	if err := pub.Flush(); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 20*time.Second, "the untrusted flood is handled", func() (bool, string) {
		n := invalid()
		return n > sentinel, fmt.Sprint(n)
	})
	figures["untrusted_rejected"] = sumMetric(scrape(gw.URL()), "sie_gateway_config_deltas_total", `result="rejected_untrusted"`)
	logGrowth := len(gw.Logs()) - logBefore
	if logGrowth > 64<<10 {
		t.Errorf("100 untrusted 1 MB deltas added %d bytes of log", logGrowth)
	}
	figures["untrusted_log_bytes"] = logGrowth

	// 3. A storm of gap deltas: at most one resync started per second.
	resyncs := func() float64 { return sumMetric(scrape(gw.URL()), "sie_gateway_config_resyncs_total") }
	exports0, resyncs0 := slow.exports.Load(), resyncs()
	l = fetchExport(t, base).Epoch
	start := time.Now()
	const storm = 5000
	for i := range storm {
		send(deltaPayload("sie-config-0", l+2+uint64(i), "flood/storm", "sie_id: flood/storm\n"+validProfile), gen)
	}
	if err := pub.Flush(); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 30*time.Second, "the storm is handled", func() (bool, string) {
		n := sumMetric(scrape(gw.URL()), "sie_gateway_config_deltas_total", `result="gap"`) +
			sumMetric(scrape(gw.URL()), "sie_gateway_config_deltas_total", `result="buffered"`)
		return n >= storm, fmt.Sprint(n)
	})
	want = fetchExport(t, base)
	testkit.Eventually(t, p.ConvergeBudget+5*time.Second, "the gateway recovers the export", func() (bool, string) { return gw.convergedTo(want) })
	elapsed := time.Since(start) // the storm and the recovery
	started := resyncs() - resyncs0
	if limit := elapsed.Seconds() + 2; started > limit {
		t.Errorf("%d gap deltas started %.0f resyncs in %s (at most one per second)", storm, started, elapsed)
	}
	figures["storm_deltas"], figures["storm_seconds"] = storm, elapsed.Seconds()
	figures["storm_resyncs"], figures["storm_exports"] = started, slow.exports.Load()-exports0
	report(t, figures)
}

// payloadTemplate returns deltaPayload for one producer, model and
// document at any epoch, quoting the document once.
func payloadTemplate(producer, id, doc string) func(epoch uint64) []byte {
	head := fmt.Sprintf(`{"router_id":%q,"bundle_id":"default","epoch":`, producer)
	tail := fmt.Sprintf(`,"bundle_config_hash":"x","model_id":%q,"profiles_added":["default"],"model_config":%q,"affected_bundles":["default"]}`, id, doc)
	return func(epoch uint64) []byte {
		return []byte(head + strconv.FormatUint(epoch, 10) + tail)
	}
}
