package controlplane_test

// Upstream #65–#80 (tests/test_config_store.py) on the local store, with
// the store's "load all models" being controlplane.Restore.

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/controlplane"
	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/store/local"
	"github.com/sieproject/sie/internal/testkit"
)

func openStore(t *testing.T, base string) *local.Store {
	t.Helper()
	st, err := local.Open(base, local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// increment is upstream's increment_epoch: read, +1, write, return.
func increment(t *testing.T, st *local.Store) int64 {
	t.Helper()
	e, err := st.ReadEpoch(context.Background())
	ok(t, err)
	ok(t, st.WriteEpoch(context.Background(), e+1))
	return e + 1
}

func readEpoch(t *testing.T, st *local.Store) int64 {
	t.Helper()
	e, err := st.ReadEpoch(context.Background())
	ok(t, err)
	return e
}

func TestConfigStoreRows(t *testing.T) {
	ctx := context.Background()
	t.Run("65_initial_epoch_is_zero", func(t *testing.T) {
		if readEpoch(t, openStore(t, t.TempDir())) != 0 {
			t.Fatal("not 0")
		}
	})
	t.Run("66_67_68_increment_epoch", func(t *testing.T) {
		dir := t.TempDir()
		st := openStore(t, dir)
		for want := int64(1); want <= 3; want++ {
			if got := increment(t, st); got != want || readEpoch(t, st) != want {
				t.Fatalf("increment → %d, want %d", got, want)
			}
		}
		if data, _ := os.ReadFile(filepath.Join(dir, "epoch")); string(data) != "3" {
			t.Fatalf("epoch file %q", data)
		}
	})
	t.Run("69_73_75_write_read_overwrite", func(t *testing.T) {
		dir := t.TempDir()
		st := openStore(t, dir)
		text := []byte("sie_id: BAAI/bge-m3\nprofiles: {}\n")
		ok(t, st.WriteModel(ctx, "BAAI/bge-m3", text))
		got, err := st.ReadModelFile(ctx, store.FileName("BAAI/bge-m3"))
		ok(t, err)
		if !bytes.Equal(got, text) || store.FileName("org/model") != "org__model.yaml" {
			t.Fatalf("read %q", got)
		}
		if _, err := os.Stat(filepath.Join(dir, "models", "BAAI__bge-m3.yaml")); err != nil {
			t.Fatal(err)
		}
		ok(t, st.WriteModel(ctx, "BAAI/bge-m3", []byte("second")))
		got, _ = st.ReadModelFile(ctx, "BAAI__bge-m3.yaml")
		if string(got) != "second" {
			t.Fatal("75: not overwritten")
		}
	})
	t.Run("70_read_missing_model", func(t *testing.T) {
		_, err := openStore(t, t.TempDir()).ReadModelFile(ctx, "nope__m.yaml")
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
	})
	t.Run("71_72_list_models", func(t *testing.T) {
		st := openStore(t, t.TempDir())
		names, err := st.ListModelFiles(ctx)
		if err != nil || len(names) != 0 {
			t.Fatalf("empty store lists %v %v", names, err)
		}
		ok(t, st.WriteModel(ctx, "intfloat/e5-base", []byte("x")))
		ok(t, st.WriteModel(ctx, "BAAI/bge-m3", []byte("y")))
		names, _ = st.ListModelFiles(ctx)
		if strings.Join(names, " ") != "BAAI__bge-m3.yaml intfloat__e5-base.yaml" {
			t.Fatalf("list %v", names)
		}
	})
	t.Run("76_directories_created_automatically", func(t *testing.T) {
		base := filepath.Join(t.TempDir(), "a", "b", "c")
		st := openStore(t, base)
		ok(t, st.WriteModel(ctx, "org/m", []byte("x")))
		increment(t, st)
	})
	t.Run("74_77_78_load_all_models", func(t *testing.T) {
		dir := t.TempDir()
		st := openStore(t, dir)
		ok(t, st.WriteModel(ctx, "BAAI/bge-m3", []byte("sie_id: BAAI/bge-m3\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n")))
		ok(t, st.WriteModel(ctx, "intfloat/e5", []byte("sie_id: intfloat/e5\ndescription: e5\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:E\n")))
		ok(t, st.WriteModel(ctx, "bad/yaml", []byte("sie_id: [unclosed\n")))
		ok(t, st.WriteModel(ctx, "empty/file", nil))
		var logs testkit.Logs
		log := logs.Logger()
		bundle := &catalog.Bundle{Name: "default", Priority: 10, Adapters: []string{"sie_server.adapters.bert_flash"}}
		snap, n, err := controlplane.Restore(ctx, catalog.NewSnapshot([]*catalog.Bundle{bundle}, nil, log), st, log)
		ok(t, err)
		if n != 2 || snap.Len() != 2 {
			t.Fatalf("restored %d", n)
		}
		e5 := snap.Exact("intfloat/e5")
		if d, _ := e5.Effective().Get("description"); d != "e5" || e5.Source() != "api" || e5.Bundles()[0] != "default" {
			t.Fatal("74: fields not accessible")
		}
		if !strings.Contains(logs.String(), "bad__yaml.yaml") || strings.Contains(logs.String(), "empty__file.yaml") {
			t.Fatalf("77/78 logs:\n%s", logs.String())
		}
	})
	t.Run("79_80_survive_reopen", func(t *testing.T) {
		dir := t.TempDir()
		st := openStore(t, dir)
		increment(t, st)
		increment(t, st)
		ok(t, st.WriteModel(ctx, "org/m", []byte("doc")))
		again := openStore(t, dir)
		got, err := again.ReadModelFile(ctx, "org__m.yaml")
		if readEpoch(t, again) != 2 || err != nil || string(got) != "doc" {
			t.Fatal("state did not survive a reopen")
		}
	})
}
