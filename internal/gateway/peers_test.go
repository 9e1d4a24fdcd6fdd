package gateway

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/testkit"
)

// The heartbeat's keys and order; the table ignores itself and anything
// that is not a heartbeat, drops a leaving peer at once and forgets a
// silent one after the expiry.
func TestPeersTable(t *testing.T) {
	hb, _ := json.Marshal(Heartbeat{GatewayID: "gw-a", ConfigEpoch: 3, Workers: 2, StartedAt: "2026-01-02T03:04:05.000Z"})
	if want := `{"gateway_id":"gw-a","config_epoch":3,"workers":2,"started_at":"2026-01-02T03:04:05.000Z","leaving":false}`; string(hb) != want {
		t.Fatalf("heartbeat %s, want %s", hb, want)
	}
	p := NewPeers(PeersConfig{ID: "gw-self", Expiry: 200 * time.Millisecond})
	for _, m := range []string{`{"gateway_id":"gw-self"}`, `{"gateway_id":""}`, `nope`, `{"gateway_id":7}`, string(hb),
		`{"gateway_id":"gw-b","config_epoch":1,"workers":0,"started_at":"x","leaving":false}`} {
		p.observe([]byte(m))
	}
	if got := p.Known(); !reflect.DeepEqual(got, []string{"gw-a", "gw-b"}) {
		t.Fatalf("known %v", got)
	}
	p.observe([]byte(`{"gateway_id":"gw-b","leaving":true}`))
	if got := p.Known(); !reflect.DeepEqual(got, []string{"gw-a"}) {
		t.Fatalf("after gw-b left: %v", got)
	}
	testkit.Eventually(t, 5*time.Second, "gw-a expired", func() bool { return len(p.Known()) == 0 })
}

// Heartbeats are any bytes from the network: never a panic.
func FuzzPeerHeartbeat(f *testing.F) {
	f.Add([]byte(`{"gateway_id":"gw-a","config_epoch":3,"workers":2,"started_at":"x","leaving":false}`))
	f.Add([]byte(`{"gateway_id":"gw-a","leaving":true}`))
	p := NewPeers(PeersConfig{ID: "self"})
	f.Fuzz(func(t *testing.T, b []byte) {
		p.observe(b)
		for _, id := range p.Known() {
			if !validPeerID(id) || id == "self" {
				t.Fatalf("kept %q", id)
			}
		}
	})
}
