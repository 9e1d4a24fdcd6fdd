package natsauth_test

import (
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/sieproject/sie/internal/natsauth"
	"github.com/sieproject/sie/internal/testkit"
)

// TestHealthAndGatewayPeerSubjects: workers publish their heartbeats on
// sie.health.<id> and gateways read them (NATS health mode); gateways talk
// among themselves on sie.gateway.heartbeat and answer requests on
// sie.gateway.status (fleet-wide rollout); a worker can do neither of the
// gateways' parts nor read the other workers' heartbeats.
func TestHealthAndGatewayPeerSubjects(t *testing.T) {
	d, err := natsauth.NewDeployment([]string{"default"})
	if err != nil {
		t.Fatal(err)
	}
	ns := testkit.NATS(t, func(o *natsserver.Options) { o.Users = d.Users })
	gwA, _ := connectAs(t, ns, d.Gateway.User, d.Gateway.Password)
	gwB, _ := connectAs(t, ns, d.Gateway.User, d.Gateway.Password)
	wk, wkErrs := connectAs(t, ns, d.Workers["default"].User, d.Workers["default"].Password)

	health, _ := gwA.SubscribeSync("sie.health.>")
	beats, _ := gwA.SubscribeSync("sie.gateway.heartbeat")
	_, err = gwA.Subscribe("sie.gateway.status", func(m *nats.Msg) { _ = m.Respond([]byte(`{"gateway_id":"a"}`)) })
	must(t, err)
	must(t, gwA.Flush())

	must(t, wk.Publish("sie.health.sim-default-0", []byte(`{"name":"sim-default-0"}`)))
	if m, err := health.NextMsg(5 * time.Second); err != nil || m.Subject != "sie.health.sim-default-0" {
		t.Fatalf("worker heartbeat: %v %v", m, err)
	}
	must(t, gwB.Publish("sie.gateway.heartbeat", []byte(`{"gateway_id":"b"}`)))
	if m, err := beats.NextMsg(5 * time.Second); err != nil || string(m.Data) != `{"gateway_id":"b"}` {
		t.Fatalf("gateway heartbeat: %v %v", m, err)
	}
	if m, err := gwB.Request("sie.gateway.status", []byte(`{"model_id":"m"}`), 5*time.Second); err != nil || string(m.Data) != `{"gateway_id":"a"}` {
		t.Fatalf("status request between gateways: %v %v", m, err)
	}

	// A worker may not pose as a gateway nor read other workers' health.
	must(t, wk.Publish("sie.gateway.heartbeat", []byte(`{"gateway_id":"forged"}`)))
	expectViolation(t, wkErrs, "worker publishing a gateway heartbeat")
	if _, err := wk.SubscribeSync("sie.health.>"); err != nil {
		t.Fatal(err)
	}
	expectViolation(t, wkErrs, "worker reading heartbeats")
	if _, err := wk.SubscribeSync("sie.gateway.status"); err != nil {
		t.Fatal(err)
	}
	expectViolation(t, wkErrs, "worker answering gateway status requests")
	if m, err := beats.NextMsg(100 * time.Millisecond); err == nil {
		t.Fatalf("a forged gateway heartbeat arrived: %s", m.Data)
	}
}
