package natsstore_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sieproject/sie/internal/store"
	"github.com/sieproject/sie/internal/store/natsstore"
	"github.com/sieproject/sie/internal/store/storetest"
	"github.com/sieproject/sie/internal/testkit"
)

// jetStream starts an embedded nats-server with JetStream on file storage
// in dir (a fresh temporary directory when empty).
func jetStream(t *testing.T, dir string, configure ...func(*natsserver.Options)) *natsserver.Server {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	return testkit.NATS(t, append([]func(*natsserver.Options){func(o *natsserver.Options) {
		o.JetStream = true
		o.StoreDir = dir
	}}, configure...)...)
}

func openStore(t *testing.T, url, bucket string, logger *slog.Logger) *natsstore.Store {
	t.Helper()
	loc, err := store.ParseLocation("nats://" + bucket)
	if err != nil {
		t.Fatal(err)
	}
	s, err := natsstore.Open(loc, natsstore.Options{URL: url, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// raw is a plain JetStream client that writes and reads the stream
// directly, bypassing the store (the harness's "another writer").
func raw(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func TestConformance(t *testing.T) {
	srv := jetStream(t, "")
	url := srv.ClientURL()
	js := raw(t, url)
	n := 0
	harness := func(t *testing.T) storetest.Harness {
		n++
		bucket := fmt.Sprintf("conf%d", n)
		// Create the stream through a store, so Put has somewhere to write.
		first := openStore(t, url, bucket, nil)
		if err := first.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
		_ = first.Close()
		return storetest.Harness{
			Open: func(t *testing.T, logger *slog.Logger) store.Store {
				return openStore(t, url, bucket, logger)
			},
			Put: func(t *testing.T, rel string, data []byte) {
				msg := nats.NewMsg(natsstore.ObjectSubject(bucket, rel))
				msg.Data = data
				if _, err := js.PublishMsg(context.Background(), msg); err != nil {
					t.Fatal(err)
				}
			},
			Get: func(t *testing.T, rel string) ([]byte, bool) {
				st, err := js.Stream(context.Background(), natsstore.StreamName(bucket))
				if err != nil {
					t.Fatal(err)
				}
				m, err := st.GetLastMsgForSubject(context.Background(), natsstore.ObjectSubject(bucket, rel))
				if errors.Is(err, jetstream.ErrMsgNotFound) {
					return nil, false
				}
				if err != nil {
					t.Fatal(err)
				}
				if m.Header.Get("Sie-Deleted") != "" {
					return nil, false
				}
				if m.Data == nil {
					return []byte{}, true
				}
				return m.Data, true
			},
		}
	}
	storetest.Run(t, harness)
	storetest.RunHistory(t, harness)
}
