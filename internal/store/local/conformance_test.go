package local_test

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/store/local"
	"github.com/sieproject/sie/internal/store/storetest"
)

func TestConformance(t *testing.T) { storetest.Run(t, localHarness) }

func TestHistoryConformance(t *testing.T) { storetest.RunHistory(t, localHarness) }

func localHarness(t *testing.T) storetest.Harness {
	base := filepath.Join(t.TempDir(), "store")
	return storetest.Harness{
		Open: func(t *testing.T, logger *slog.Logger) store.Store {
			s, err := local.Open(base, local.Options{Logger: logger})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Put: func(t *testing.T, rel string, data []byte) {
			path := filepath.Join(base, filepath.FromSlash(rel))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			// A fresh inode, as any other writer's rename would give.
			_ = os.Remove(path)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		},
		Get: func(t *testing.T, rel string) ([]byte, bool) {
			data, err := os.ReadFile(filepath.Join(base, filepath.FromSlash(rel)))
			if errors.Is(err, fs.ErrNotExist) {
				return nil, false
			}
			if err != nil {
				t.Fatal(err)
			}
			return data, true
		},
	}
}
