package configserver_test

// The generation: created with the store and kept with it, rotated when the
// epoch reads 0 (a fresh, reset or unreadable epoch), random per process
// without a store, and carried by every delta as a NATS header.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sieproject/sie/internal/testkit"
)

func generationOf(t *testing.T, in *instance) string {
	t.Helper()
	r := in.get("/v1/configs/epoch")
	g := r.header.Get("X-SIE-Config-Generation")
	if len(g) != 32 {
		t.Fatalf("generation header %q", g)
	}
	if e := in.get("/v1/configs/export").header.Get("X-SIE-Config-Generation"); e != g {
		t.Fatalf("/export says %q, /epoch %q", e, g)
	}
	return g
}

func TestGenerationPersistsWithTheStore(t *testing.T) {
	l := newLayout(t, nil, nil)
	cfg := l.config()
	cfg.StoreURL, cfg.Restore = l.store, true
	in := boot(t, cfg)
	g0 := generationOf(t, in)
	if got := fileText(t, filepath.Join(l.store, "generation")); got != g0 {
		t.Fatalf("stored generation %q, served %q", got, g0)
	}
	wantContains(t, in.postModel(neYAML), 201, `"epoch":1,`)
	in.stop()

	// A restart on the same store keeps it.
	in = boot(t, cfg)
	if g := generationOf(t, in); g != g0 {
		t.Fatalf("restart changed the generation: %s → %s", g0, g)
	}
	in.stop()

	// A lost epoch file, or one that reads as 0, starts a new sequence.
	for i, damage := range []func(){
		func() { check(t, os.Remove(filepath.Join(l.store, "epoch"))) },
		func() { check(t, os.WriteFile(filepath.Join(l.store, "epoch"), []byte("18446744073709551615"), 0o600)) },
	} {
		prev := fileText(t, filepath.Join(l.store, "generation"))
		damage()
		in = boot(t, cfg)
		g := generationOf(t, in)
		if g == prev || fileText(t, filepath.Join(l.store, "generation")) != g {
			t.Fatalf("epoch 0 kept the generation %s", g)
		}
		wantContains(t, in.postModel(strings.Replace(neYAML, "n/e", "n/e"+string(rune('a'+i)), 1)), 201)
		in.stop()
	}
}

func TestGenerationWithoutStoreIsPerProcess(t *testing.T) {
	l := newLayout(t, nil, nil)
	a := boot(t, l.config())
	b := boot(t, l.config())
	if generationOf(t, a) == generationOf(t, b) {
		t.Fatal("two processes share a generation")
	}
	if r := a.get("/v1/configs/epoch"); r.header.Get("X-SIE-Router-Id") != "standalone" {
		t.Fatalf("router id header %v", r.header)
	}
}

func TestDeltasCarryTheGeneration(t *testing.T) {
	ns := testkit.NATS(t)
	l := newLayout(t, nil, nil)
	cfg := l.config()
	cfg.NATSURL = ns.ClientURL()
	in := boot(t, cfg)
	waitConnected(t, in)
	nc, err := nats.Connect(ns.ClientURL())
	check(t, err)
	defer nc.Close()
	sub, err := nc.SubscribeSync("sie.config.models.>")
	check(t, err)
	check(t, nc.Flush())
	wantContains(t, in.postModel(neYAML), 201)
	g := generationOf(t, in)
	if r := in.get("/v1/configs/epoch"); r.header.Get("X-SIE-Router-Id") != "sie-config-0" {
		t.Fatalf("router id header %v", r.header)
	}
	for range 2 {
		m, err := sub.NextMsg(10 * time.Second)
		check(t, err)
		if got := m.Header.Get("Sie-Config-Generation"); got != g {
			t.Fatalf("%s: generation header %q, want %q", m.Subject, got, g)
		}
		if string(m.Data) != payloadNE {
			t.Fatalf("the header changed the payload: %s", m.Data)
		}
	}
}
