package natsauth_test

import (
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/sieproject/sie/internal/natsauth"
	"github.com/sieproject/sie/internal/testkit"
)

// TestMatrixIsEnforcedByTheServer connects as every role of a deployment
// to a real server and checks what each may publish and receive.
func TestMatrixIsEnforcedByTheServer(t *testing.T) {
	d, err := natsauth.NewDeployment([]string{"default", "sglang"})
	if err != nil {
		t.Fatal(err)
	}
	ns := testkit.NATS(t, func(o *natsserver.Options) { o.Users = d.Users })
	defer ns.Shutdown()

	cfg, _ := connectAs(t, ns, d.Config.User, d.Config.Password)
	gw, gwErrs := connectAs(t, ns, d.Gateway.User, d.Gateway.Password)
	wk, wkErrs := connectAs(t, ns, d.Workers["default"].User, d.Workers["default"].Password)

	if _, err := nats.Connect(ns.ClientURL()); err == nil {
		t.Fatal("an anonymous client was admitted")
	}
	if _, err := nats.Connect(ns.ClientURL(), nats.UserInfo(d.Gateway.User, "wrong")); err == nil {
		t.Fatal("a wrong password was admitted")
	}

	all, _ := gw.SubscribeSync("sie.config.models._all")
	bundle, _ := wk.SubscribeSync("sie.config.models.default")
	must(t, gw.Flush())
	must(t, wk.Flush())

	// A worker may not read _all nor another bundle.
	if _, err := wk.SubscribeSync("sie.config.models._all"); err != nil {
		t.Fatal(err)
	}
	expectViolation(t, wkErrs, "worker subscribing _all")
	if _, err := wk.SubscribeSync("sie.config.models.sglang"); err != nil {
		t.Fatal(err)
	}
	expectViolation(t, wkErrs, "worker subscribing another bundle")

	// Only sie-config may publish deltas: forgeries from a gateway or a
	// worker never reach a subscriber.
	must(t, gw.Publish("sie.config.models._all", []byte("forged by a gateway")))
	expectViolation(t, gwErrs, "gateway publishing a delta")
	must(t, wk.Publish("sie.config.models._all", []byte("forged by a worker")))
	expectViolation(t, wkErrs, "worker publishing a delta")
	must(t, cfg.Publish("sie.config.models.default", []byte("real")))
	must(t, cfg.Publish("sie.config.models._all", []byte("real")))
	must(t, cfg.Flush())
	for _, sub := range []*nats.Subscription{all, bundle} {
		m, err := sub.NextMsg(5 * time.Second)
		if err != nil || string(m.Data) != "real" {
			t.Fatalf("%s: %v %v", sub.Subject, m, err)
		}
		if m, err := sub.NextMsg(100 * time.Millisecond); err == nil {
			t.Fatalf("%s: unexpected %q", sub.Subject, m.Data)
		}
	}

	// Workers report health; gateways read it.
	health, _ := gw.SubscribeSync("sie.health.>")
	must(t, gw.Flush())
	must(t, wk.Publish("sie.health.w1", []byte("ok")))
	if m, err := health.NextMsg(5 * time.Second); err != nil || string(m.Data) != "ok" {
		t.Fatalf("health: %v %v", m, err)
	}
}

func expectViolation(t *testing.T, errs chan error, what string) {
	t.Helper()
	select {
	case err := <-errs:
		if err == nil {
			t.Fatalf("%s: nil error", what)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: the server did not refuse it", what)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// connectAs connects as user and collects the asynchronous errors (the
// permission violations) the server reports to that connection.
func connectAs(t *testing.T, ns *natsserver.Server, user, pw string) (*nats.Conn, chan error) {
	t.Helper()
	errs := make(chan error, 16)
	nc, err := nats.Connect(ns.ClientURL(), nats.UserInfo(user, pw),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
	if err != nil {
		t.Fatalf("%s: %v", user, err)
	}
	t.Cleanup(nc.Close)
	return nc, errs
}
