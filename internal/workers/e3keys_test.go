package workers

import (
	"strings"
	"testing"
	"time"
)

// Frames of catching-up workers (extensions E3) carry config_epoch and
// unsupported_models; v0.3.1 frames do not, and null counts as missing.
func TestStatusE3Keys(t *testing.T) {
	raw, err := parse(t, `{"ready":true,"bundle_config_hash":"h","config_epoch":12,"unsupported_models":["a/m","b\u002fm"]}`)
	if err != nil {
		t.Fatal(err)
	}
	d := derive(&Worker{url: "u"}, raw)
	info := d.build(Healthy, SourceWS, time.Now())
	if !info.HasConfigEpoch || info.ConfigEpoch != 12 || strings.Join(info.Unsupported, ",") != "a/m,b/m" || info.Serves("a/m") || !info.Serves("c/m") {
		t.Fatalf("%+v", info)
	}
	for _, msg := range []string{`{"ready":true}`, `{"ready":true,"config_epoch":null,"unsupported_models":null}`} {
		raw, err := parse(t, msg)
		if err != nil {
			t.Fatal(err)
		}
		d := derive(&Worker{url: "u"}, raw)
		if info := d.build(Healthy, SourceWS, time.Now()); info.HasConfigEpoch || len(info.Unsupported) != 0 || !info.Connected {
			t.Errorf("%s: %+v", msg, info)
		}
	}
	for _, msg := range []string{`{"config_epoch":-1}`, `{"config_epoch":"3"}`, `{"unsupported_models":[1]}`, `{"unsupported_models":"a"}`} {
		if _, err := parse(t, msg); err == nil {
			t.Errorf("%s accepted", msg)
		}
	}
}

// A change of config_epoch or unsupported_models is a change of the view
// (it bumps the version and wakes Changed); a lost connection marks the
// worker disconnected, and the next frame connects it again.
func TestRegistryTracksE3KeysAndConnection(t *testing.T) {
	r := NewRegistry(RegistryConfig{})
	now := time.Now()
	must := func(msg string) {
		t.Helper()
		if err := r.HandleMessage("http://w", []byte(msg), now); err != nil {
			t.Fatal(err)
		}
	}
	must(`{"ready":true,"bundle":"default","config_epoch":1}`)
	v, changed := r.Version(), r.Changed()
	must(`{"ready":true,"bundle":"default","config_epoch":1}`)
	if r.Version() != v {
		t.Fatal("an identical frame bumped the version")
	}
	must(`{"ready":true,"bundle":"default","config_epoch":2}`)
	select {
	case <-changed:
	default:
		t.Fatal("a new config_epoch did not wake Changed")
	}
	must(`{"ready":true,"bundle":"default","config_epoch":2,"unsupported_models":["x"]}`)
	if r.Version() == v+1 {
		t.Fatal("unsupported_models did not bump the version")
	}
	r.MarkUnhealthy("http://w", "closed")
	if info := r.Advertising("default")[0]; info.Connected || info.Health != Unhealthy {
		t.Fatalf("after a lost connection: %+v", info)
	}
	must(`{"ready":false,"bundle":"default"}`)
	if info := r.Advertising("default")[0]; !info.Connected || info.Health != Unhealthy {
		t.Fatalf("connected, not ready: %+v", info)
	}
	// A worker that said ready=false (shutting down) and then closed its
	// socket is disconnected, not "not ready".
	r.MarkUnhealthy("http://w", "closed")
	if info := r.Advertising("default")[0]; info.Connected {
		t.Fatalf("closed after ready=false: %+v", info)
	}
}
