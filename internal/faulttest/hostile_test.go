package faulttest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/testkit"
)

// TestHostileInput sends a corpus of nasty requests to a real sie-config
// and to gateways (in-process and the real binary), and hostile messages
// on NATS to the gateways and to simulated workers. Every request gets its
// documented 4xx, no 5xx; every message is dropped or ignored as
// documented; nothing panics or exits; sie-config's export, epoch and store
// files and every gateway's and worker's state are unchanged.
func TestHostileInput(t *testing.T) {
	p := loadParams(t)
	ns := startNATS(t, 8<<20)
	w := newWorld(t, "hostile", 1, 1)
	store := t.TempDir()
	proc := newConfigProc(t, configOptions{CatalogDir: w.catalog, StoreDir: store, NATSURL: ns.URL()})
	proc.Start()
	base := proc.URL()
	waitNATSConnected(t, base, true)
	mustWrite(t, w, base, planCreate(w.owned[0][0])) // L ≥ 1, so a stale delta exists
	gw := startGateway(t, gatewayOptions{Name: "gw-in", ConfigURL: base, NATSURL: ns.URL(), Poll: p.Poll})
	bin := startGatewayProc(t, "gw-bin", base, ns.URL(), p.Poll)
	fleet := startWorkers(t, w.catalog, "default", ns.URL(), 1)
	before := fetchExport(t, base)
	waitConvergedTo(t, before, []converger{gw, bin}, time.Now(), 20*time.Second)
	testkit.Eventually(t, 20*time.Second, "gateways subscribed", func() (bool, string) {
		return gw.Connected() && ns.Subscriptions() >= 3, ""
	})
	storeBefore := dirDigest(t, store)
	workerHash := fleet.Workers()[0].Hash()

	httpCases := checkCorpus(t, "sie-config", base, configCorpus(), true)
	for _, g := range []interface{ URL() string }{gw, bin} {
		httpCases += checkCorpus(t, "gateway", g.URL(), gatewayCorpus(), false)
	}

	msgs := gatewayMessages("sie-config", "sie-config-0", before.Epoch, generationOf(t, base))
	gwBase, binBase := gw.deltaCounts(), deltaCountsAt(bin.URL())
	pub := publisher(t, ns.URL())
	for _, m := range msgs {
		msg := nats.NewMsg(bus.SubjectAll)
		msg.Data = m.data
		if m.generation != "" {
			msg.Header.Set(bus.GenerationHeader, m.generation)
		}
		if err := pub.PublishMsg(msg); err != nil {
			t.Fatalf("publish %s: %v", m.name, err)
		}
	}
	wmsgs := workerMessages()
	workerBase := workerState(t, fleet.URLs()[0])
	for _, m := range wmsgs {
		if err := pub.Publish(bus.SubjectForBundle("default"), m); err != nil {
			t.Fatal(err)
		}
	}
	if err := pub.Flush(); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for _, m := range msgs {
		want[m.result]++
	}
	for name, counts := range map[string]func() map[string]int{
		"gw-in": gw.deltaCounts, "gw-bin": func() map[string]int { return deltaCountsAt(bin.URL()) },
	} {
		b := binBase
		if name == "gw-in" {
			b = gwBase
		}
		testkit.Eventually(t, 20*time.Second, name+" handles every hostile message as documented", func() (bool, string) {
			got := counts()
			for r, n := range want {
				if got[r]-b[r] != n {
					return false, resultDiff(got, b, want)
				}
			}
			return true, ""
		})
	}
	testkit.Eventually(t, 20*time.Second, "the worker receives every hostile message", func() (bool, string) {
		st := workerState(t, fleet.URLs()[0])
		return st.Received-workerBase.Received == len(wmsgs), ""
	})

	// The trusted parse failures asked for resyncs; the gateways must end
	// where they started, as must sie-config, its store and the worker.
	waitConvergedTo(t, before, []converger{gw, bin}, time.Now(), p.Poll+p.ConvergeBudget)
	if after := fetchExport(t, base); after.Epoch != before.Epoch || after.Models.digest() != before.Models.digest() {
		t.Errorf("sie-config state changed: epoch %d → %d; %s", before.Epoch, after.Epoch, after.Models.diff(before.Models))
	}
	if got := dirDigest(t, store); got != storeBefore {
		t.Errorf("the store changed:\n%s\nwant\n%s", got, storeBefore)
	}
	if h := fleet.Workers()[0].Hash(); h != workerHash {
		t.Errorf("worker hash changed: %s → %s", workerHash, h)
	}
	select {
	case err := <-fleet.Failed():
		t.Errorf("worker failed: %v", err)
	default:
	}
	if proc.Exited() || !bin.Alive() {
		t.Errorf("a process exited: sie-config %v, gateway %v", proc.Exited(), !bin.Alive())
	}
	for name, logs := range map[string]string{"sie-config": proc.Logs(), "sie-gateway": bin.Logs()} {
		if strings.Contains(logs, "panic") || strings.Contains(logs, "goroutine ") {
			t.Errorf("%s logged a panic:\n%s", name, tail(logs, 3000))
		}
	}
	report(t, map[string]any{
		"http_cases": httpCases, "gateway_messages": len(msgs), "worker_messages": len(wmsgs),
		"gateway_results": want,
	})
}

// checkCorpus sends every case and checks its documented answer. No case
// may get a 5xx.
func checkCorpus(t *testing.T, who, base string, cases []httpCase, detail bool) int {
	t.Helper()
	for _, c := range cases {
		code, body, err := httpDo(base, c.method, c.path, c.body, c.header...)
		switch {
		case err != nil:
			t.Errorf("%s %s: %v", who, c.name, err)
		case code >= 500:
			t.Errorf("%s %s: %d (5xx) %s", who, c.name, code, tail(string(body), 300))
		case code != c.want:
			t.Errorf("%s %s: %d, want %d: %s", who, c.name, code, c.want, tail(string(body), 300))
		case detail && c.code != "" && errorCode(body) != c.code:
			t.Errorf("%s %s: error %q, want %q: %s", who, c.name, errorCode(body), c.code, tail(string(body), 300))
		}
	}
	return len(cases)
}

func publisher(t *testing.T, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url, nats.Name("faulttest hostile publisher"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// deltaCountsAt scrapes a gateway's deltas by result.
func deltaCountsAt(base string) map[string]int {
	s := scrape(base)
	out := map[string]int{}
	for key, v := range s {
		if !strings.HasPrefix(key, "sie_gateway_config_deltas_total{") {
			continue
		}
		if i := strings.Index(key, `result="`); i >= 0 {
			r := key[i+len(`result="`):]
			out[r[:strings.IndexByte(r, '"')]] += int(v)
		}
	}
	return out
}

func resultDiff(got, base map[string]int, want map[string]int) string {
	var parts []string
	for r, n := range want {
		parts = append(parts, r+": "+itoa(got[r]-base[r])+"/"+itoa(n))
	}
	return strings.Join(parts, ", ")
}

// simState is the part of a simulated worker's /sim/state the suite reads.
type simState struct {
	Received   int `json:"deltas_received"`
	Applied    int `json:"deltas_applied"`
	Dropped    int `json:"deltas_dropped"`
	Reconciles int `json:"reconciles"`
}

func workerState(t *testing.T, base string) simState {
	t.Helper()
	code, body := mustDo(t, base, "GET", "/sim/state", nil)
	var st simState
	if code != 200 || json.Unmarshal(body, &st) != nil {
		t.Fatalf("GET %s/sim/state: %d %s", base, code, body)
	}
	return st
}

// dirDigest lists every file under dir with a digest of its content.
func dirDigest(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		rel, _ := filepath.Rel(dir, path)
		b.WriteString(rel + " " + hex.EncodeToString(sum[:8]) + "\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// generationOf reads sie-config's generation from the /epoch header.
func generationOf(t testing.TB, base string) string {
	t.Helper()
	resp, err := httpClient.Get(base + "/v1/configs/epoch")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	g := resp.Header.Get("X-SIE-Config-Generation")
	if len(g) != 32 {
		t.Fatalf("sie-config sends no generation: %v", resp.Header)
	}
	return g
}
