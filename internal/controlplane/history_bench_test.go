package controlplane

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/store/local"
	"github.com/sieproject/sie/internal/testkit"
)

// withoutHistory hides the local store's Historian: the write path as it
// was before history.
type withoutHistory struct{ Store }

// BenchmarkReplaceLocal is a PUT through the pipeline on a local store,
// with the history append (history=on) and without it (history=off, the
// floor), measured in the same run.
func BenchmarkReplaceLocal(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run("history="+map[bool]string{false: "off", true: "on"}[on], func(b *testing.B) {
			st, err := local.Open(filepath.Join(b.TempDir(), "store"), local.Options{})
			if err != nil {
				b.Fatal(err)
			}
			var s Store = st
			if !on {
				s = withoutHistory{st}
			}
			bundles := []*catalog.Bundle{{Name: "default", Priority: 10, Adapters: []string{"sie_server.adapters.bert_flash"}}}
			svc := New(Config{Snapshot: catalog.NewSnapshot(bundles, nil, nil), Store: s, RouterID: "r", Log: testkit.Discard()})
			b.Cleanup(svc.Close)
			i := 0
			for b.Loop() {
				i++
				body := []byte("sie_id: org/m\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n    max_batch_tokens: " + strconv.Itoa(i) + "\n")
				if _, err := svc.Replace(context.Background(), "org/m", body, WriteOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
