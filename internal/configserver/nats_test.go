package configserver_test

// NATS distribution against a real embedded nats-server (sie-config.md §9;
// upstream #160–#173; D3c).

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/sieproject/sie/internal/testkit"
)

func waitConnected(t *testing.T, in *instance) {
	t.Helper()
	testkit.Eventually(t, 10*time.Second, "sie-config to connect to NATS", in.Service().NATSConnected)
}

func orderedKeys(t *testing.T, data string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(data))
	if tk, err := dec.Token(); err != nil || tk != json.Delim('{') {
		t.Fatalf("not an object: %s", data)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		check(t, err)
		keys = append(keys, k.(string))
		var skip json.RawMessage
		check(t, dec.Decode(&skip))
	}
	return keys
}

const payloadKeys = "router_id,bundle_id,epoch,bundle_config_hash,model_id,profiles_added,model_config,affected_bundles"

// expectPair reads the bundle-subject message and its _all copy.
func expectPair(t *testing.T, s *subscriber, bundle string) string {
	t.Helper()
	a, b := s.next(), s.next()
	if a.subject != "sie.config.models."+bundle || b.subject != "sie.config.models._all" || a.data != b.data {
		t.Fatalf("want %s then _all with the same bytes, got\n%s %s\n%s %s", bundle, a.subject, a.data, b.subject, b.data)
	}
	if !strings.Contains(a.data, `"bundle_id":"`+bundle+`"`) {
		t.Fatalf("payload for %s: %s", bundle, a.data)
	}
	return a.data
}

// TestNATSDeltas covers upstream #165–#168 and §9.2–§9.3 with a real
// server: exact payload bytes, subject pairs with identical bytes, eight
// keys (nine with deleted), per-bundle hashes, and epoch order.
func TestNATSDeltas(t *testing.T) {
	ns := testkit.NATS(t)
	l := newLayout(t, map[string]string{"default.yaml": bundleDefaultYAML, "sglang.yaml": bundleSGLangYAML}, nil)
	cfg := l.config()
	cfg.NATSURL = ns.ClientURL()
	in := boot(t, cfg)
	waitConnected(t, in)
	if v, _ := in.metric("sie_config_nats_connected"); v != 1 {
		t.Fatal("sie_config_nats_connected is not 1")
	}
	all := subscribe(t, ns.ClientURL(), "sie.config.models.>")
	onlyAll := subscribe(t, ns.ClientURL(), "sie.config.models._all")

	// The example payload of §9.2, byte for byte, on both subjects.
	wantContains(t, in.postModel(neYAML), 201, `"router_id":"sie-config-0"`, `"epoch":1,`)
	if got := expectPair(t, all, "default"); got != payloadNE {
		t.Fatalf("payload\n got %s\nwant %s", got, payloadNE)
	}
	if m := onlyAll.next(); m.data != payloadNE {
		t.Fatal("_all subscriber got different bytes")
	}

	// Two targets: 4 messages, alternating, each bundle with its own hash.
	two := "sie_id: b/m\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n  sg:\n    adapter_path: sie_server.adapters.sglang:S\n"
	wantContains(t, in.postModel(two), 201, `"routable_bundles_by_profile":{"default":["default","sglang"],"sg":["default","sglang"]}`)
	d, s := expectPair(t, all, "default"), expectPair(t, all, "sglang")
	for _, p := range []string{d, s} {
		if got := strings.Join(orderedKeys(t, p), ","); got != payloadKeys {
			t.Fatalf("keys %s", got)
		}
		if !strings.Contains(p, `"epoch":2,`) || !strings.Contains(p, `"profiles_added":["default","sg"]`) || !strings.Contains(p, `"affected_bundles":["default","sglang"]`) {
			t.Fatalf("payload %s", p)
		}
	}
	hash := regexp.MustCompile(`"bundle_config_hash":"([0-9a-f]{64})"`)
	if hash.FindStringSubmatch(d)[1] == hash.FindStringSubmatch(s)[1] {
		t.Fatal("both bundles carry the same hash")
	}
	onlyAll.next()
	onlyAll.next()

	// PUT: targets old ∪ new; DELETE: nine keys, deleted last.
	wantContains(t, in.do("PUT", "/v1/configs/models/b/m", "sie_id: b/m\nprofiles:\n  sg:\n    adapter_path: sie_server.adapters.sglang:S\n"), 200, `"replaced":true`)
	expectPair(t, all, "default")
	expectPair(t, all, "sglang")
	wantContains(t, in.do("DELETE", "/v1/configs/models/b/m", ""), 200, `"deleted":true`)
	del := expectPair(t, all, "sglang")
	if got := strings.Join(orderedKeys(t, del), ","); got != payloadKeys+",deleted" || !strings.HasSuffix(del, `"model_config":"","affected_bundles":[],"deleted":true}`) {
		t.Fatalf("delete payload %s", del)
	}

	// Publish order is epoch order, also under concurrent writers.
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in.postModel(fmt.Sprintf("sie_id: conc/m%d\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n", i))
		}()
	}
	wg.Wait()
	epochRE := regexp.MustCompile(`"epoch":(\d+),`)
	// The _all-only subscriber first sees the PUT (2 targets, epoch 3) and
	// the DELETE (1 target, epoch 4), then the 20 writes in epoch order.
	for i, want := range append([]int{3, 3, 4}, seq(5, 24)...) {
		m := onlyAll.next()
		if e, _ := strconv.Atoi(epochRE.FindStringSubmatch(m.data)[1]); e != want {
			t.Fatalf("_all message %d has epoch %d, want %d", i, e, want)
		}
	}
	if v, _ := in.metric("sie_config_nats_publishes_total", "result", "success"); v != 24 {
		t.Fatalf("publishes success = %v, want 24", v)
	}
}

// TestNATSMaxPayload covers §3 B8 (413 before any write) with a server
// whose max_payload is small.
func TestNATSMaxPayload(t *testing.T) {
	ns := testkit.NATS(t, func(o *natsserver.Options) { o.MaxPayload = 1024 })
	l := newLayout(t, nil, nil)
	cfg := l.config()
	cfg.NATSURL, cfg.StoreURL = ns.ClientURL(), l.store
	in := boot(t, cfg)
	waitConnected(t, in)
	all := subscribe(t, ns.ClientURL(), "sie.config.models._all")
	big := "sie_id: big/m\ndescription: " + strings.Repeat("x", 2000) + "\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n"
	r := in.postModel(big)
	m := regexp.MustCompile(`^\{"detail":\{"error":"payload_too_large","message":"Config exceeds the NATS max_payload \((\d+) > 1024 bytes\)\."\}\}$`).FindStringSubmatch(r.body)
	if r.status != 413 || m == nil {
		t.Fatalf("got %d %s", r.status, r.body)
	}
	if n, _ := strconv.Atoi(m[1]); n <= 1024 || n > 2600 {
		t.Fatalf("reported size %d", n)
	}
	if fileText(t, l.store+"/epoch") != "" || fileText(t, l.store+"/models/big__m.yaml") != "" || in.Service().Epoch() != 0 {
		t.Fatal("a refused write left a trace")
	}
	// Nothing was published: the next delta is the next write's.
	wantContains(t, in.postModel(neYAML), 201, `"epoch":1,`)
	if got := all.next(); !strings.Contains(got.data, `"model_id":"n/e"`) {
		t.Fatalf("first delta %s", got.data)
	}
}

// TestNATSStartupInBackground covers D3c and upstream #160, #161, #163,
// #171, #173: with NATS down, HTTP serves at once and writes are 503
// nats_unavailable; when NATS comes up the connection follows within the
// 2 s retry, writes succeed and deltas arrive; a NATS restart is survived.
func TestNATSStartupInBackground(t *testing.T) {
	port := testkit.FreePort(t)
	l := newLayout(t, nil, map[string]string{"test__model.yaml": seedYAML})
	cfg := l.config()
	cfg.NATSURL = "nats://127.0.0.1:" + strconv.Itoa(port)
	start := time.Now()
	in := boot(t, cfg) // #160: an unreachable server is not an error
	want(t, in.get("/healthz"), 200, `{"status":"ok"}`)
	want(t, in.get("/readyz"), 200, `{"status":"ready"}`)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("HTTP took %v to serve", d)
	}
	// #161: not connected; reads work; writes are refused.
	if in.Service().NATSConnected() {
		t.Fatal("connected to nothing")
	}
	if v, ok := in.metric("sie_config_nats_connected"); !ok || v != 0 {
		t.Fatal("sie_config_nats_connected must be 0")
	}
	natsDown := `{"detail":{"error":"nats_unavailable","message":"NATS not connected -- cannot distribute config changes."}}`
	want(t, in.postModel(neYAML), 503, natsDown)
	want(t, in.get("/v1/configs/models"), 200, `{"models":[{"model_id":"test/model","profiles":["default"],"source":"filesystem"}]}`)

	// NATS comes up on that port; the 2 s retry picks it up.
	natsUp := time.Now()
	ns := testkit.NATS(t, func(o *natsserver.Options) { o.Port = port })
	all := subscribe(t, ns.ClientURL(), "sie.config.models._all")
	var r reply
	testkit.Eventually(t, 10*time.Second, "a write to succeed once NATS is up", func() bool {
		r = in.postModel(neYAML)
		return r.status == 201
	})
	if d := time.Since(natsUp); d > 5*time.Second {
		t.Fatalf("writes succeeded %v after NATS came up (retry every 2 s)", d)
	}
	wantContains(t, r, 201, `"router_id":"sie-config-0"`, `"epoch":1,`)
	if m := all.next(); !strings.Contains(m.data, `"model_id":"n/e"`) {
		t.Fatalf("delta %s", m.data)
	}
	if v, _ := in.metric("sie_config_nats_connected"); v != 1 {
		t.Fatal("gauge not 1")
	}

	// #171: the server goes away → disconnected, writes refused again.
	ns.Shutdown()
	testkit.Eventually(t, 10*time.Second, "the disconnect to be noticed", func() bool { return !in.Service().NATSConnected() })
	testkit.Eventually(t, 5*time.Second, "the gauge to drop", func() bool { v, _ := in.metric("sie_config_nats_connected"); return v == 0 })
	want(t, in.postModel(strings.Replace(neYAML, "n/e", "n/f", 1)), 503, natsDown)

	// #173: it comes back → reconnected.
	ns2 := testkit.NATS(t, func(o *natsserver.Options) { o.Port = port })
	all2 := subscribe(t, ns2.ClientURL(), "sie.config.models._all")
	testkit.Eventually(t, 10*time.Second, "a write to succeed after the reconnect", func() bool {
		r = in.postModel(strings.Replace(neYAML, "n/e", "n/f", 1))
		return r.status == 201
	})
	wantContains(t, r, 201, `"epoch":2,`)
	if m := all2.next(); !strings.Contains(m.data, `"epoch":2,`) {
		t.Fatalf("delta %s", m.data)
	}
	if v, _ := in.metric("sie_config_nats_connected"); v != 1 {
		t.Fatal("gauge not 1 after the reconnect")
	}
}

// TestNATSNeverConnectedShutdown covers upstream #163: shutting down while
// never connected is clean and prompt.
func TestNATSNeverConnectedShutdown(t *testing.T) {
	l := newLayout(t, nil, nil)
	cfg := l.config()
	cfg.NATSURL = "nats://127.0.0.1:" + strconv.Itoa(testkit.FreePort(t))
	in := boot(t, cfg)
	start := time.Now()
	in.stop()
	if d := time.Since(start); d > 7*time.Second {
		t.Fatalf("shutdown took %v", d)
	}
}

// TestNATSBadURL: a malformed SIE_NATS_URL is a startup error, not a
// silent standalone mode.
func TestNATSBadURL(t *testing.T) {
	l := newLayout(t, nil, nil)
	cfg := l.config()
	cfg.NATSURL = "nats://%zz"
	if _, err := url.Parse(cfg.NATSURL); err == nil {
		t.Skip("URL unexpectedly valid")
	}
	cfg.Host, cfg.LogOutput = "127.0.0.1", &lockedBuffer{}
	if srv, err := startRaw(cfg); err == nil {
		_ = srv.Shutdown(t.Context())
		t.Fatal("malformed NATS URL accepted")
	}
}

func seq(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// TestNATSAsyncErrorDoesNotCrash covers upstream #172: the server refuses
// one subject (an asynchronous permissions error on sie-config's
// connection); sie-config stays connected and keeps publishing the rest.
func TestNATSAsyncErrorDoesNotCrash(t *testing.T) {
	ns := testkit.NATS(t, func(o *natsserver.Options) {
		o.Users = []*natsserver.User{
			{Username: "cfg", Password: "p", Permissions: &natsserver.Permissions{Publish: &natsserver.SubjectPermission{Deny: []string{"sie.config.models.sglang"}}}},
			{Username: "sub", Password: "p"},
		}
	})
	addr := ns.Addr().String()
	l := newLayout(t, map[string]string{"default.yaml": bundleDefaultYAML, "sglang.yaml": bundleSGLangYAML}, nil)
	cfg := l.config()
	cfg.NATSURL = "nats://cfg:p@" + addr
	in := boot(t, cfg)
	waitConnected(t, in)
	all := subscribe(t, "nats://sub:p@"+addr, "sie.config.models.>")
	two := "sie_id: b/m\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n  sg:\n    adapter_path: sie_server.adapters.sglang:S\n"
	wantContains(t, in.postModel(two), 201, `"epoch":1,`)
	expectPair(t, all, "default")
	// The denied sglang publish is dropped by the server; its _all copy
	// still arrives.
	if m := all.next(); m.subject != "sie.config.models._all" || !strings.Contains(m.data, `"bundle_id":"sglang"`) {
		t.Fatalf("got %s %s", m.subject, m.data)
	}
	wantContains(t, in.postModel(neYAML), 201, `"epoch":2,`)
	expectPair(t, all, "default")
	if !in.Service().NATSConnected() {
		t.Fatal("an async error disconnected sie-config")
	}
}
