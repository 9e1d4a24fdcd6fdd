package objectstore_test

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/store/objectstore"
	"github.com/sieproject/sie/internal/store/storetest"
	"github.com/sieproject/sie/internal/testkit"
)

// memBucket is an in-memory object service with versions, conditional
// writes and a switch that makes the bucket disappear.
type memBucket struct {
	mu      sync.Mutex
	objects map[string][]byte
	vers    map[string]int
	next    int
	gone    bool // every call fails; reads say "not found" like GCS does
	noVers  bool // the service returns no version
}

var errNoBucket = errors.New("bucket does not exist")

func newMemBucket() *memBucket {
	return &memBucket{objects: map[string][]byte{}, vers: map[string]int{}}
}

func (b *memBucket) Get(_ context.Context, key string, limit int64) ([]byte, string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.objects[key]
	if b.gone || !ok {
		return nil, "", objectstore.ErrObjectMissing
	}
	if limit > 0 && int64(len(data)) > limit {
		data = data[:limit]
	}
	if b.noVers {
		return append([]byte(nil), data...), "", nil
	}
	return append([]byte(nil), data...), strconv.Itoa(b.vers[key]), nil
}

func (b *memBucket) Put(_ context.Context, key string, data []byte, _ string, cond objectstore.Condition) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.gone {
		return "", errNoBucket
	}
	_, exists := b.objects[key]
	if cond.Absent && exists || cond.Match != "" && (!exists || cond.Match != strconv.Itoa(b.vers[key])) {
		return "", objectstore.ErrConditionFailed
	}
	b.next++
	b.objects[key], b.vers[key] = append([]byte(nil), data...), b.next
	return strconv.Itoa(b.next), nil
}

func (b *memBucket) Delete(_ context.Context, key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.gone {
		return errNoBucket
	}
	delete(b.objects, key)
	return nil
}

func (b *memBucket) List(_ context.Context, prefix string) ([]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.gone {
		return nil, errNoBucket
	}
	var out []string
	for k := range b.objects {
		if rest, ok := strings.CutPrefix(k, prefix); ok && !strings.Contains(rest, "/") {
			out = append(out, k)
		}
	}
	return out, nil
}

func (b *memBucket) Probe(context.Context, string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.gone {
		return errNoBucket
	}
	return nil
}

func (b *memBucket) Close() error { return nil }

func open(b *memBucket, prefix string, logger *slog.Logger, confirm bool) store.Store {
	return objectstore.New(objectstore.Config{
		Bucket: b, Location: store.Location{Scheme: store.SchemeS3, Bucket: "mem", Prefix: prefix}, Name: "mem store",
		Logger: logger, ConfirmMissingEpoch: confirm, NoVersionWarning: "no version",
	})
}

func harness(prefix string) storetest.NewHarness {
	key := func(rel string) string { return store.Location{Prefix: prefix}.Key(rel) }
	return func(t *testing.T) storetest.Harness {
		b := newMemBucket()
		return storetest.Harness{
			Open: func(t *testing.T, logger *slog.Logger) store.Store { return open(b, prefix, logger, false) },
			Put: func(t *testing.T, rel string, data []byte) {
				if _, err := b.Put(context.Background(), key(rel), data, "", objectstore.Condition{}); err != nil {
					t.Fatal(err)
				}
			},
			Get: func(t *testing.T, rel string) ([]byte, bool) {
				data, _, err := b.Get(context.Background(), key(rel), 0)
				return data, err == nil
			},
		}
	}
}

// The engine alone meets the store contract.
func TestConformanceNoPrefix(t *testing.T)   { storetest.Run(t, harness("")) }
func TestConformanceWithPrefix(t *testing.T) { storetest.Run(t, harness("team/sie")) }

// With ConfirmMissingEpoch, an epoch that reads as missing because the
// bucket is gone is an error, never an empty store; without it the
// service's "not found" is trusted.
func TestConfirmMissingEpoch(t *testing.T) {
	ctx := context.Background()
	b := newMemBucket()
	b.gone = true
	if _, err := open(b, "", nil, true).ReadEpoch(ctx); err == nil || !errors.Is(err, errNoBucket) {
		t.Fatalf("ReadEpoch on a missing bucket: %v", err)
	}
	if e, err := open(b, "", nil, false).ReadEpoch(ctx); err != nil || e != 0 {
		t.Fatalf("unconfirmed: %d, %v", e, err)
	}
}

// A service that returns no version makes the epoch write unconditional,
// and says so.
func TestNoVersionWarns(t *testing.T) {
	ctx := context.Background()
	b := newMemBucket()
	var logs testkit.Logs
	s := open(b, "", logs.LoggerAt(slog.LevelDebug), false)
	if err := s.WriteEpoch(ctx, 1); err != nil {
		t.Fatal(err)
	}
	b.noVers = true
	if _, err := s.ReadEpoch(ctx); err != nil {
		t.Fatal(err)
	}
	if logs.Count(slog.LevelWarn) != 1 {
		t.Fatalf("%d warnings", logs.Count(slog.LevelWarn))
	}
	if err := s.WriteEpoch(ctx, 2); err != nil {
		t.Fatalf("unconditional write: %v", err)
	}
}
