package storetest

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"

	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/testkit"
)

// Run runs the whole conformance suite; each subtest gets a fresh base.
func Run(t *testing.T, newHarness NewHarness) {
	t.Run("ModelRoundTrip", func(t *testing.T) { testModelRoundTrip(t, newHarness(t)) })
	t.Run("ListRules", func(t *testing.T) { testListRules(t, newHarness(t)) })
	t.Run("BadNames", func(t *testing.T) { testBadNames(t, newHarness(t)) })
	t.Run("EpochMissing", func(t *testing.T) { testEpochMissing(t, newHarness(t)) })
	t.Run("EpochParse", func(t *testing.T) { testEpochParse(t, newHarness) })
	t.Run("EpochRoundTrip", func(t *testing.T) { testEpochRoundTrip(t, newHarness(t)) })
	t.Run("EpochConflict", func(t *testing.T) { testEpochConflict(t, newHarness(t)) })
	t.Run("EpochConflictExternal", func(t *testing.T) { testEpochConflictExternal(t, newHarness) })
	t.Run("EpochConcurrentWriters", func(t *testing.T) { testEpochConcurrent(t, newHarness(t)) })
	t.Run("PingDescribe", func(t *testing.T) { testPingDescribe(t, newHarness(t)) })
	t.Run("Generation", func(t *testing.T) { testGeneration(t, newHarness) })
}

// testGeneration: missing reads "", a write is read back by another
// instance from the object "generation", damage reads as "" with a warning.
func testGeneration(t *testing.T, newHarness NewHarness) {
	ctx := context.Background()
	h := newHarness(t)
	s := h.open(t)
	g, err := s.ReadGeneration(ctx)
	if err != nil || g != "" {
		t.Fatalf("ReadGeneration on an empty store = %q, %v", g, err)
	}
	gen := store.NewGeneration()
	mustNil(t, s.WriteGeneration(ctx, gen), "WriteGeneration")
	expectObject(t, h, "generation", []byte(gen))
	if g, err := h.open(t).ReadGeneration(ctx); err != nil || g != gen {
		t.Fatalf("ReadGeneration = %q, %v; want %q", g, err, gen)
	}
	h = newHarness(t)
	h.Put(t, "generation", []byte("not a generation"))
	var rec testkit.Logs
	if g, err := h.openLogged(t, rec.LoggerAt(slog.LevelDebug)).ReadGeneration(ctx); err != nil || g != "" || rec.Count(slog.LevelWarn) == 0 {
		t.Fatalf("damaged generation: %q, %v, warnings %d", g, err, rec.Count(slog.LevelWarn))
	}
}

func testModelRoundTrip(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.open(t)
	v1 := []byte("sie_id: BAAI/bge-m3\nprofiles:\n  default: {}\n")
	v2 := []byte("sie_id: BAAI/bge-m3\n# ünïcode\n")

	mustNil(t, s.WriteModel(ctx, "BAAI/bge-m3", v1), "WriteModel v1")
	expectObject(t, h, "models/BAAI__bge-m3.yaml", v1)
	mustNil(t, s.WriteModel(ctx, "BAAI/bge-m3", v2), "WriteModel v2")
	expectObject(t, h, "models/BAAI__bge-m3.yaml", v2)

	got, err := h.open(t).ReadModelFile(ctx, "BAAI__bge-m3.yaml")
	mustNil(t, err, "ReadModelFile")
	if string(got) != string(v2) {
		t.Fatalf("ReadModelFile = %q, want %q", got, v2)
	}
	expectList(t, s, []string{"BAAI__bge-m3.yaml"})

	mustNil(t, s.WriteModel(ctx, "plain", nil), "WriteModel empty")
	expectObject(t, h, "models/plain.yaml", []byte{})

	mustNil(t, s.DeleteModel(ctx, "BAAI/bge-m3"), "DeleteModel")
	if _, ok := h.Get(t, "models/BAAI__bge-m3.yaml"); ok {
		t.Fatal("model file still exists after DeleteModel")
	}
	mustNil(t, s.DeleteModel(ctx, "BAAI/bge-m3"), "DeleteModel of a missing file")
	expectList(t, s, []string{"plain.yaml"})

	_, err = s.ReadModelFile(ctx, "BAAI__bge-m3.yaml")
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ReadModelFile of a deleted file: err = %v, want ErrNotFound", err)
	}
}

func testListRules(t *testing.T, h Harness) {
	s := h.open(t)
	expectList(t, s, []string{})
	for _, rel := range []string{
		"models/b.yaml", "models/a.yaml", "models/Z.yaml", "models/é.yaml",
		"models/.hidden.yaml", "models/.a.yaml.x1.tmp", "models/x.yml", "models/x.yaml.bak",
		"models/sub/c.yaml", "top.yaml", "epoch",
	} {
		h.Put(t, rel, []byte("sie_id: x\n"))
	}
	expectList(t, s, []string{"Z.yaml", "a.yaml", "b.yaml", "é.yaml"})
}

func testBadNames(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.open(t)
	for _, name := range []string{"", "..", "../epoch", "sub/c.yaml"} {
		if _, err := s.ReadModelFile(ctx, name); err == nil || errors.Is(err, store.ErrNotFound) {
			t.Errorf("ReadModelFile(%q): err = %v, want an invalid-name error", name, err)
		}
	}
}

func testEpochMissing(t *testing.T, h Harness) {
	e, err := h.open(t).ReadEpoch(context.Background())
	if err != nil || e != 0 {
		t.Fatalf("ReadEpoch on an empty store = %d, %v; want 0, nil", e, err)
	}
}

func testEpochParse(t *testing.T, newHarness NewHarness) {
	cases := []struct {
		content string
		want    int64
		warn    bool
	}{
		{"7", 7, false},
		{" 42\n", 42, false},
		{"\t\n 0 \r\n", 0, false},
		{"", 0, false},
		{" \n\t", 0, false},
		{"9223372036854775807", 9223372036854775807, false},
		{"9223372036854775808", 0, true},
		{"-1", 0, true},
		{"+5", 0, true},
		{"1.5", 0, true},
		{"1_000", 0, true},
		{"abc", 0, true},
		{"1 2", 0, true},
	}
	for _, c := range cases {
		h := newHarness(t)
		h.Put(t, "epoch", []byte(c.content))
		var rec testkit.Logs
		e, err := h.openLogged(t, rec.LoggerAt(slog.LevelDebug)).ReadEpoch(context.Background())
		if err != nil || e != c.want {
			t.Errorf("epoch %q: ReadEpoch = %d, %v; want %d, nil", c.content, e, err, c.want)
		}
		if warned := rec.Count(slog.LevelWarn) > 0; warned != c.warn {
			t.Errorf("epoch %q: warned = %v, want %v", c.content, warned, c.warn)
		}
	}
}

func testEpochRoundTrip(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.open(t)
	_, err := s.ReadEpoch(ctx)
	mustNil(t, err, "ReadEpoch")
	mustNil(t, s.WriteEpoch(ctx, 1), "WriteEpoch 1 (object absent)")
	expectObject(t, h, "epoch", []byte("1"))
	mustNil(t, s.WriteEpoch(ctx, 2), "WriteEpoch 2")
	// The §10.1 rollback: restore E conditional on the E+1 just written.
	mustNil(t, s.WriteEpoch(ctx, 1), "WriteEpoch 1 (rollback)")
	mustNil(t, s.WriteEpoch(ctx, 9223372036854775807), "WriteEpoch max")
	expectObject(t, h, "epoch", []byte("9223372036854775807"))
	e, err := h.open(t).ReadEpoch(ctx)
	if err != nil || e != 9223372036854775807 {
		t.Fatalf("fresh instance ReadEpoch = %d, %v", e, err)
	}
	if err := s.WriteEpoch(ctx, -1); err == nil || errors.Is(err, store.ErrEpochConflict) {
		t.Fatalf("WriteEpoch(-1): err = %v, want a plain error", err)
	}
}

func testEpochConflict(t *testing.T, h Harness) {
	ctx := context.Background()
	a, b := h.open(t), h.open(t)
	readEpoch(t, a, 0)
	readEpoch(t, b, 0)
	mustNil(t, a.WriteEpoch(ctx, 1), "a.WriteEpoch 1")
	expectConflict(t, b.WriteEpoch(ctx, 1), "b.WriteEpoch 1 after a won")
	// The baseline stays stale, so the loser keeps failing until it reads.
	expectConflict(t, b.WriteEpoch(ctx, 2), "b.WriteEpoch 2 without re-reading")
	expectObject(t, h, "epoch", []byte("1"))
	readEpoch(t, b, 1)
	mustNil(t, b.WriteEpoch(ctx, 2), "b.WriteEpoch 2 after re-reading")
	expectConflict(t, a.WriteEpoch(ctx, 2), "a.WriteEpoch 2 after b moved on")
	expectObject(t, h, "epoch", []byte("2"))
}

func testEpochConflictExternal(t *testing.T, newHarness NewHarness) {
	ctx := context.Background()
	// Absent when read, created by someone else before the write.
	h := newHarness(t)
	s := h.open(t)
	readEpoch(t, s, 0)
	h.Put(t, "epoch", []byte("5"))
	expectConflict(t, s.WriteEpoch(ctx, 1), "write after an external create")
	expectObject(t, h, "epoch", []byte("5"))

	// Present when read, then updated by someone else.
	h = newHarness(t)
	h.Put(t, "epoch", []byte("3"))
	s = h.open(t)
	readEpoch(t, s, 3)
	h.Put(t, "epoch", []byte("4"))
	expectConflict(t, s.WriteEpoch(ctx, 4), "write after an external update")
	expectObject(t, h, "epoch", []byte("4"))
}

func testEpochConcurrent(t *testing.T, h Harness) {
	ctx := context.Background()
	a, b := h.open(t), h.open(t)
	for round := int64(0); round < 20; round++ {
		readEpoch(t, a, round)
		readEpoch(t, b, round)
		start := make(chan struct{})
		errs := make(chan error, 2)
		for _, s := range []store.Store{a, b} {
			go func() {
				<-start
				errs <- s.WriteEpoch(ctx, round+1)
			}()
		}
		close(start)
		won, lost := 0, 0
		for range 2 {
			err := <-errs
			switch {
			case err == nil:
				won++
			case errors.Is(err, store.ErrEpochConflict) && err.Error() == store.EpochConflictMessage:
				lost++
			default:
				t.Fatalf("round %d: unexpected error %v", round, err)
			}
		}
		if won != 1 || lost != 1 {
			t.Fatalf("round %d: %d winners and %d losers, want exactly 1 each", round, won, lost)
		}
		expectObject(t, h, "epoch", store.FormatEpoch(round+1))
	}
}

func testPingDescribe(t *testing.T, h Harness) {
	s := h.open(t)
	mustNil(t, s.Ping(context.Background()), "Ping")
	if s.Describe() == "" {
		t.Fatal("Describe is empty")
	}
}

func readEpoch(t *testing.T, s store.Store, want int64) {
	t.Helper()
	got, err := s.ReadEpoch(context.Background())
	if err != nil || got != want {
		t.Fatalf("ReadEpoch = %d, %v; want %d, nil", got, err, want)
	}
}

func expectConflict(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, store.ErrEpochConflict) {
		t.Fatalf("%s: err = %v, want ErrEpochConflict", what, err)
	}
	if err.Error() != store.EpochConflictMessage {
		t.Fatalf("%s: message = %q, want %q", what, err.Error(), store.EpochConflictMessage)
	}
}

func expectObject(t *testing.T, h Harness, rel string, want []byte) {
	t.Helper()
	got, ok := h.Get(t, rel)
	if !ok {
		t.Fatalf("%s does not exist", rel)
	}
	if string(got) != string(want) {
		t.Fatalf("%s = %q, want %q", rel, got, want)
	}
}

func expectList(t *testing.T, s store.Store, want []string) {
	t.Helper()
	got, err := s.ListModelFiles(context.Background())
	if err != nil {
		t.Fatalf("ListModelFiles: %v", err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("ListModelFiles = %q, want %q", got, want)
	}
}

func mustNil(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
