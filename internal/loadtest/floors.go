package loadtest

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sieproject/sie/internal/yamldoc"
)

// durableReplace is the floor of one store write: temp file, write, fsync,
// rename, directory fsync.
func durableReplace(dir string, data []byte, i int) (time.Duration, error) {
	t0 := time.Now()
	tmp := filepath.Join(dir, ".floor."+strconv.Itoa(i)+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	if _, err := f.Write(data); err != nil {
		return 0, err
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, filepath.Join(dir, "floor.yaml")); err != nil {
		return 0, err
	}
	d, err := os.Open(dir)
	if err != nil {
		return 0, err
	}
	err = d.Sync()
	_ = d.Close()
	return time.Since(t0), err
}

// natsFloor publishes from one connection to a subscriber on another.
type natsFloor struct {
	pub, sub *nats.Conn
	got      chan struct{}
	payload  []byte
}

func newNATSFloor(url string) (*natsFloor, error) {
	pub, err := nats.Connect(url)
	if err != nil {
		return nil, err
	}
	sub, err := nats.Connect(url)
	if err != nil {
		pub.Close()
		return nil, err
	}
	f := &natsFloor{pub: pub, sub: sub, got: make(chan struct{}, 1), payload: make([]byte, 400)}
	if _, err := sub.Subscribe("sie.loadtest.floor", func(*nats.Msg) { f.got <- struct{}{} }); err != nil {
		return nil, err
	}
	if err := sub.Flush(); err != nil {
		return nil, err
	}
	return f, nil
}

// publishFlush is one publish acknowledged by the server (the part of a
// write that announces it).
func (f *natsFloor) publishFlush() (time.Duration, error) {
	t0 := time.Now()
	if err := f.pub.Publish("sie.loadtest.other", f.payload); err != nil {
		return 0, err
	}
	err := f.pub.Flush()
	return time.Since(t0), err
}

// roundTrip is a bare publish → delivery to another connection.
func (f *natsFloor) roundTrip() (time.Duration, error) {
	t0 := time.Now()
	if err := f.pub.Publish("sie.loadtest.floor", f.payload); err != nil {
		return 0, err
	}
	select {
	case <-f.got:
	case <-time.After(5 * time.Second):
		return 0, os.ErrDeadlineExceeded
	}
	return time.Since(t0), nil
}

func (f *natsFloor) close() { f.pub.Close(); f.sub.Close() }

// readAndParse is the restore floor: read and parse every stored file, one
// after the other.
func readAndParse(dir string) (time.Duration, error) {
	t0 := time.Now()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return 0, err
		}
		if _, err := yamldoc.Parse(data); err != nil {
			return 0, err
		}
	}
	return time.Since(t0), nil
}

// sha256Of times hashing n bytes.
func sha256Of(n int) time.Duration {
	buf := make([]byte, n)
	t0 := time.Now()
	sha256.Sum256(buf)
	return time.Since(t0)
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)*p/100]
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) + " ms" }
