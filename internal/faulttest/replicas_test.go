package faulttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/sieproject/sie/internal/samplecatalog"
	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/store/natsstore"
	"github.com/sieproject/sie/internal/testkit"
)

// Active-active sie-config replicas on a nats:// store (JetStream), as real
// processes: a write storm sent to every replica while replicas are killed
// with SIGKILL at random instants, NATS restarts, and the loss of one server
// of a three-server NATS cluster. Afterwards every acknowledged write is
// present with its content, the epochs of the journal are unique and
// gapless, every replica serves the same export, and gateways converge.

// jsServer is an embedded nats-server with JetStream on file storage that
// can be restarted on the same port and directory.
type jsServer struct {
	t       testing.TB
	port    int
	dir     string
	cluster *natsserver.Options // cluster settings; nil for a single server
	name    string
	srv     *natsserver.Server
}

func startJetStream(t testing.TB) *jsServer {
	t.Helper()
	s := &jsServer{t: t, port: testkit.FreePort(t), dir: t.TempDir(), name: "js"}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

func (s *jsServer) URL() string { return "nats://127.0.0.1:" + strconv.Itoa(s.port) }

func (s *jsServer) Start() {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		o := &natsserver.Options{ServerName: s.name, Host: "127.0.0.1", Port: s.port, NoLog: true, NoSigs: true,
			JetStream: true, StoreDir: s.dir}
		if s.cluster != nil {
			o.Cluster, o.Routes = s.cluster.Cluster, s.cluster.Routes
		}
		srv, err := natsserver.NewServer(o)
		if err != nil {
			s.t.Fatalf("nats: %v", err)
		}
		go srv.Start()
		if srv.ReadyForConnections(5 * time.Second) {
			s.srv = srv
			return
		}
		srv.Shutdown()
		if time.Now().After(deadline) {
			s.t.Fatal("nats-server did not start")
		}
	}
}

func (s *jsServer) Stop() {
	if s.srv != nil {
		s.srv.Shutdown()
		s.srv.WaitForShutdown()
		s.srv = nil
	}
}

// haLedger records what the storm's clients were told.
type haLedger struct {
	mu       sync.Mutex
	acked    map[string]int   // model → last acknowledged version
	doubt    map[string][]int // model → versions sent after it without an answer
	profiles map[string]bool  // acknowledged profiles of the shared model
	epochs   map[int64]string // epoch of each acknowledged change → model
	problems []string
	writes   atomic.Int64
	acks     atomic.Int64
}

func newHALedger() *haLedger {
	return &haLedger{acked: map[string]int{}, doubt: map[string][]int{}, profiles: map[string]bool{}, epochs: map[int64]string{}}
}

func (l *haLedger) epoch(e int64, id string) {
	if e == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if prev, dup := l.epochs[e]; dup {
		l.problems = append(l.problems, fmt.Sprintf("epoch %d acknowledged twice (%s and %s)", e, prev, id))
	}
	l.epochs[e] = id
}

const haShared = "ha/shared"

func haDoc(id string, version int) []byte {
	return []byte(fmt.Sprintf("sie_id: %s\nprofiles:\n  default:\n    adapter_path: %s\n    max_batch_tokens: %d\n", id, adapterDefault, version))
}

// haStorm sends writes to random replicas until stop: each writer PUTs new
// versions of its own models and appends profiles to one shared model.
func haStorm(reps []*configProc, led *haLedger, writers int, seed uint64, stop <-chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			version := 0
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				rep := reps[rng.IntN(len(reps))]
				led.writes.Add(1)
				if n%4 == 3 {
					p := fmt.Sprintf("p%d_%d", w, n)
					body := fmt.Sprintf("sie_id: %s\nprofiles:\n  %s:\n    adapter_path: %s\n", haShared, p, adapterDefault)
					code, resp, _ := httpDo(rep.URL(), "POST", "/v1/configs/models", []byte(body))
					if code == 201 {
						led.acks.Add(1)
						led.mu.Lock()
						led.profiles[p] = true
						led.mu.Unlock()
						led.epoch(answerEpoch(resp), haShared)
					}
					continue
				}
				id := fmt.Sprintf("ha/w%d-m%d", w, n%3)
				version++
				code, resp, _ := httpDo(rep.URL(), "PUT", "/v1/configs/models/"+id, haDoc(id, version))
				led.mu.Lock()
				if code == 200 || code == 201 {
					led.acks.Add(1)
					led.acked[id], led.doubt[id] = version, nil
					led.mu.Unlock()
					led.epoch(answerEpoch(resp), id)
					continue
				}
				led.doubt[id] = append(led.doubt[id], version)
				led.mu.Unlock()
				if code == 0 || code >= 500 {
					time.Sleep(5 * time.Millisecond) // a dead replica: do not spin on it
				}
			}
		}()
	}
	return &wg
}

// answerEpoch is the epoch a write answer reports for its change, or 0
// when it reports none (an unchanged PUT answers the current epoch: after
// a replica lost the acknowledgement of its own commit, the re-planned
// write finds it applied and answers unchanged).
func answerEpoch(body []byte) int64 {
	var a struct {
		Epoch     int64 `json:"epoch"`
		Unchanged bool  `json:"unchanged"`
	}
	_ = json.Unmarshal(body, &a)
	if a.Unchanged {
		return 0
	}
	return a.Epoch
}

// haCheck verifies the outcome on every replica and in the journal.
func haCheck(t *testing.T, led *haLedger, reps []*configProc, natsURL, bucket string) exportSnap {
	t.Helper()
	for _, r := range reps {
		testkit.Eventually(t, 30*time.Second, "replica ready", func() (bool, string) {
			code, body, err := httpDo(r.URL(), "GET", "/readyz", nil)
			return code == 200, fmt.Sprint(code, string(body), err)
		})
	}
	var want exportSnap
	testkit.Eventually(t, 5*time.Second, "every replica serves the same export", func() (bool, string) {
		want = fetchExport(t, reps[0].URL())
		for _, r := range reps[1:] {
			got := fetchExport(t, r.URL())
			if got.Epoch != want.Epoch || len(got.Models) != len(want.Models) {
				return false, fmt.Sprintf("epoch %d/%d, %d/%d models", got.Epoch, want.Epoch, len(got.Models), len(want.Models))
			}
			for id, d := range want.Models {
				if g, ok := got.Models[id]; !ok || !sameDoc(g, d) {
					return false, "model " + id + " differs"
				}
			}
		}
		return true, ""
	})
	led.mu.Lock()
	defer led.mu.Unlock()
	for _, p := range led.problems {
		t.Error(p)
	}
	for id, v := range led.acked {
		d, ok := want.Models[id]
		if !ok {
			t.Errorf("%s: acknowledged version %d is missing", id, v)
			continue
		}
		got := maxBatchTokens(d)
		if got != v && !slices.Contains(led.doubt[id], got) {
			t.Errorf("%s: version %d, want the acknowledged %d (or one in doubt after it: %v)", id, got, v, led.doubt[id])
		}
	}
	if len(led.profiles) > 0 {
		shared := want.Models[haShared]
		have := map[string]bool{}
		for _, p := range profileNames(shared) {
			have[p] = true
		}
		for p := range led.profiles {
			if !have[p] {
				t.Errorf("acknowledged profile %s of %s is lost", p, haShared)
			}
		}
	}
	// The journal: model records carry the epochs 1..E, each once, and each
	// acknowledged epoch is the record of the model it was answered for.
	loc, err := store.ParseLocation("nats://" + bucket)
	if err != nil {
		t.Fatal(err)
	}
	st, err := natsstore.Open(loc, natsstore.Options{URL: natsURL})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	recs, err := st.Since(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	next := int64(1)
	byEpoch := map[int64]string{}
	for _, r := range recs {
		if !r.HasEpoch {
			continue
		}
		if r.Epoch != next {
			t.Fatalf("journal epochs are not gapless: record %d has epoch %d, want %d", r.Pos, r.Epoch, next)
		}
		byEpoch[r.Epoch] = r.ModelID
		next++
	}
	if uint64(next-1) != want.Epoch {
		t.Errorf("journal ends at epoch %d, the export says %d", next-1, want.Epoch)
	}
	for e, id := range led.epochs {
		if byEpoch[e] != id {
			t.Errorf("epoch %d was acknowledged for %s, the journal has %q", e, id, byEpoch[e])
		}
	}
	return want
}

func maxBatchTokens(d any) int {
	m, _ := d.(interface{ Get(string) (any, bool) })
	if m == nil {
		return -1
	}
	p, _ := m.Get("profiles")
	pm, _ := p.(interface{ Get(string) (any, bool) })
	if pm == nil {
		return -1
	}
	def, _ := pm.Get("default")
	dm, _ := def.(interface{ Get(string) (any, bool) })
	if dm == nil {
		return -1
	}
	v, _ := dm.Get("max_batch_tokens")
	n, _ := v.(int64)
	return int(n)
}

// haReplicas starts n sie-config processes on nats://bucket.
func haReplicas(t *testing.T, n int, natsURL, bucket string, env ...string) []*configProc {
	t.Helper()
	dir := t.TempDir()
	if err := samplecatalog.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	var reps []*configProc
	for i := range n {
		p := newConfigProc(t, configOptions{CatalogDir: dir, StoreDir: "nats://" + bucket, NATSURL: natsURL,
			PodName: fmt.Sprintf("sie-config-%d", i), Env: env})
		p.Start()
		reps = append(reps, p)
	}
	for _, p := range reps {
		waitNATSConnected(t, p.URL(), true)
	}
	return reps
}

// TestReplicasSurviveKills: 2 and 3 replicas, a storm to all of them, one
// replica SIGKILLed and restarted at a random instant, SIE_FAULT_CYCLES
// times (default 20).
func TestReplicasSurviveKills(t *testing.T) {
	p := loadParams(t)
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d-replicas", n), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(runSeed(t), 2))
			js := startJetStream(t)
			reps := haReplicas(t, n, js.URL(), "kills")
			svc := serviceProxy(t, reps)
			gws := []*gatewayProc{
				startGatewayProc(t, "gw-0", svc, js.URL(), p.Poll),
				startGatewayProc(t, "gw-1", svc, js.URL(), p.Poll),
			}
			led := newHALedger()
			stop := make(chan struct{})
			storm := haStorm(reps, led, p.Writers, rng.Uint64(), stop)
			var restarts durations
			for range p.Cycles {
				// The fault's timing (a random instant of the storm), not a
				// wait for a condition.
				time.Sleep(time.Duration(10+rng.IntN(100)) * time.Millisecond)
				victim := reps[rng.IntN(n)]
				victim.Signal()
				victim.Kill()
				start := time.Now()
				victim.Start()
				waitNATSConnected(t, victim.URL(), true)
				restarts = append(restarts, time.Since(start))
			}
			close(stop)
			storm.Wait()
			want := haCheck(t, led, reps, js.URL(), "kills")
			converge := durations{}
			for _, g := range gws {
				start := time.Now()
				ok := false
				for deadline := time.Now().Add(p.Poll + p.ConvergeBudget); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
					if ok, _ = g.convergedTo(want); ok {
						break
					}
				}
				if !ok {
					_, why := g.convergedTo(want)
					t.Fatalf("%s does not converge: %s\n%s", g.Name(), why, tail(g.Logs(), 3000))
				}
				converge = append(converge, time.Since(start))
				for _, issue := range g.epochIssues() {
					t.Error(issue)
				}
			}
			report(t, map[string]any{"replicas": n, "kills": p.Cycles, "writers": p.Writers,
				"writes": led.writes.Load(), "acknowledged": led.acks.Load(), "final_epoch": want.Epoch,
				"restart_to_writable": restarts.summary(), "gateway_convergence": converge.summary()})
		})
	}
}

// TestReplicasSurviveNATSRestart: the NATS server (JetStream on file
// storage) restarts twice during a storm to two replicas; nothing
// acknowledged is lost.
func TestReplicasSurviveNATSRestart(t *testing.T) {
	p := loadParams(t)
	rng := rand.New(rand.NewPCG(runSeed(t), 3))
	js := startJetStream(t)
	reps := haReplicas(t, 2, js.URL(), "restart")
	led := newHALedger()
	stop := make(chan struct{})
	storm := haStorm(reps, led, p.Writers, rng.Uint64(), stop)
	for range 2 {
		time.Sleep(time.Duration(200+rng.IntN(300)) * time.Millisecond) // the fault's timing
		js.Stop()
		js.Start()
		for _, r := range reps {
			waitNATSConnected(t, r.URL(), true)
		}
	}
	// Writes keep being acknowledged after the restarts.
	before := led.acks.Load()
	testkit.Eventually(t, 20*time.Second, "writes acknowledged after the restarts", func() bool { return led.acks.Load() > before+20 })
	close(stop)
	storm.Wait()
	want := haCheck(t, led, reps, js.URL(), "restart")
	report(t, map[string]any{"replicas": 2, "nats_restarts": 2, "writes": led.writes.Load(), "acknowledged": led.acks.Load(), "final_epoch": want.Epoch})
}

// TestReplicasSurviveNATSNodeLoss: a three-server NATS cluster in process,
// the store's stream with three copies (SIE_CONFIG_STORE_REPLICAS=3), two
// sie-config replicas connected to all servers; one server is shut down
// during the storm; nothing acknowledged is lost and writes go on.
func TestReplicasSurviveNATSNodeLoss(t *testing.T) {
	p := loadParams(t)
	rng := rand.New(rand.NewPCG(runSeed(t), 4))
	routes := make([]int, 3)
	for i := range routes {
		routes[i] = testkit.FreePort(t)
	}
	var servers []*jsServer
	var urls []string
	for i := range 3 {
		s := &jsServer{t: t, port: testkit.FreePort(t), dir: t.TempDir(), name: fmt.Sprintf("n%d", i)}
		var rs []string
		for j, port := range routes {
			if j != i {
				rs = append(rs, fmt.Sprintf("nats://127.0.0.1:%d", port))
			}
		}
		s.cluster = &natsserver.Options{Cluster: natsserver.ClusterOpts{Name: "sie", Host: "127.0.0.1", Port: routes[i]},
			Routes: natsserver.RoutesFromStr(strings.Join(rs, ","))}
		servers = append(servers, s)
		urls = append(urls, s.URL())
	}
	var wg sync.WaitGroup
	for _, s := range servers {
		wg.Add(1)
		go func() { defer wg.Done(); s.Start() }()
	}
	wg.Wait()
	for _, s := range servers {
		t.Cleanup(s.Stop)
	}
	url := strings.Join(urls, ",")
	testkit.Eventually(t, 30*time.Second, "JetStream cluster has a leader", func() bool {
		for _, s := range servers {
			if s.srv != nil && s.srv.JetStreamIsLeader() {
				return true
			}
		}
		return false
	})
	reps := haReplicas(t, 2, url, "cluster", "SIE_CONFIG_STORE_REPLICAS=3")
	led := newHALedger()
	stop := make(chan struct{})
	storm := haStorm(reps, led, p.Writers, rng.Uint64(), stop)
	time.Sleep(time.Duration(300+rng.IntN(300)) * time.Millisecond) // the fault's timing
	lost := servers[rng.IntN(3)]
	lost.Stop()
	before := led.acks.Load()
	testkit.Eventually(t, 30*time.Second, "writes acknowledged after losing a server", func() bool { return led.acks.Load() > before+20 })
	close(stop)
	storm.Wait()
	alive := ""
	for _, s := range servers {
		if s.srv != nil {
			alive = s.URL()
		}
	}
	want := haCheck(t, led, reps, alive, "cluster")
	report(t, map[string]any{"replicas": 2, "nats_servers": 3, "stream_replicas": 3, "lost_server": lost.name,
		"writes": led.writes.Load(), "acknowledged": led.acks.Load(), "final_epoch": want.Epoch})
}

// serviceProxy stands for the Kubernetes Service in front of the replicas:
// each request goes to the next replica, and to the one after when a
// replica refuses the connection (it is being restarted).
func serviceProxy(t *testing.T, reps []*configProc) string {
	t.Helper()
	var next atomic.Uint64
	tr := &http.Transport{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		start := next.Add(1)
		for i := range uint64(len(reps)) {
			target, _ := url.Parse(reps[(start+i)%uint64(len(reps))].URL())
			out := r.Clone(r.Context())
			out.URL.Scheme, out.URL.Host, out.RequestURI, out.Host = target.Scheme, target.Host, "", target.Host
			out.Body = io.NopCloser(bytes.NewReader(body))
			resp, err := tr.RoundTrip(out)
			if err != nil {
				continue
			}
			for k, v := range resp.Header {
				w.Header()[k] = v
			}
			w.WriteHeader(resp.StatusCode)
			_, _ = io.Copy(w, resp.Body)
			resp.Body.Close()
			return
		}
		http.Error(w, "no replica answers", http.StatusBadGateway)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(tr.CloseIdleConnections)
	return srv.URL
}
