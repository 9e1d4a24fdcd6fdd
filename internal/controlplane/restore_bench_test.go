package controlplane_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/controlplane"
	"github.com/sieproject/sie/internal/store/local"
	"github.com/sieproject/sie/internal/testkit"
	"github.com/sieproject/sie/internal/yamldoc"
)

// BenchmarkRestore measures the startup restore of n stored documents (read,
// parse, check, registry build, bundle hash) against the floor of reading
// and parsing every file one after the other, measured in the same run.
//
//	go test -run '^$' -bench BenchmarkRestore -benchtime 1x -count 3 ./internal/controlplane/
func BenchmarkRestore(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("docs=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			models := filepath.Join(dir, "models")
			if err := os.MkdirAll(models, 0o755); err != nil {
				b.Fatal(err)
			}
			for i := range n {
				id := fmt.Sprintf("org%03d/model-%07d", i%1000, i)
				body := "sie_id: " + id + "\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:BertFlashAdapter\n    max_batch_tokens: 8192\n"
				if err := os.WriteFile(filepath.Join(models, fmt.Sprintf("org%03d__model-%07d.yaml", i%1000, i)), []byte(body), 0o600); err != nil {
					b.Fatal(err)
				}
			}
			st, err := local.Open(dir, local.Options{})
			if err != nil {
				b.Fatal(err)
			}
			bundle := &catalog.Bundle{Name: "default", Priority: 10, Adapters: []string{"sie_server.adapters.bert_flash"}}
			base := catalog.NewSnapshot([]*catalog.Bundle{bundle}, nil, testkit.Discard())
			ctx := context.Background()
			var restore, floor time.Duration
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				snap, got, err := controlplane.Restore(ctx, base, st, testkit.Discard())
				if err != nil || got != n {
					b.Fatalf("restored %d of %d: %v", got, n, err)
				}
				_ = snap.Settled().ConfigBundleHash("default")
				restore += time.Since(t0)
				t0 = time.Now()
				names, err := st.ListModelFiles(ctx)
				if err != nil {
					b.Fatal(err)
				}
				for _, name := range names {
					data, err := st.ReadModelFile(ctx, name)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := yamldoc.Parse(data); err != nil {
						b.Fatal(err)
					}
				}
				floor += time.Since(t0)
			}
			b.StopTimer()
			b.ReportMetric(restore.Seconds()/float64(b.N), "restore-s")
			b.ReportMetric(floor.Seconds()/float64(b.N), "floor-s")
			b.ReportMetric(float64(restore)/float64(floor), "restore/floor")
		})
	}
}
