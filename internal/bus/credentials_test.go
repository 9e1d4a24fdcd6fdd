package bus_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/testkit"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestCredentialsFromEnvRefusesHalfPairsAndMixes(t *testing.T) {
	bad := []map[string]string{
		{bus.EnvUser: "alice"},
		{bus.EnvPassword: "secret"},
		{bus.EnvUser: "alice", bus.EnvPassword: "secret", bus.EnvCreds: "/x.creds"},
		{bus.EnvCreds: "/x.creds", bus.EnvNKeySeed: "SUAAA"},
		{bus.EnvTLSCert: "/c.pem"},
		{bus.EnvTLSKey: "/k.pem"},
	}
	for _, env := range bad {
		_, err := bus.CredentialsFromEnv(envOf(env))
		if err == nil {
			t.Errorf("%v accepted", env)
			continue
		}
		if v := env[bus.EnvPassword]; v != "" && strings.Contains(err.Error(), v) {
			t.Errorf("the error shows the password: %v", err)
		}
	}
	c, err := bus.CredentialsFromEnv(envOf(map[string]string{bus.EnvUser: "alice", bus.EnvPassword: "s3cr3t"}))
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Describe(); d != "user alice" || strings.Contains(d, "s3cr3t") {
		t.Fatalf("Describe = %q", d)
	}
	if c, err := bus.CredentialsFromEnv(envOf(nil)); err != nil || c.Describe() != "none" {
		t.Fatalf("no credentials: %+v %v", c, err)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"nats://127.0.0.1:4222":                          "nats://127.0.0.1:4222",
		"nats://alice:s3cr3t@h:4222":                     "nats://redacted@h:4222",
		"nats://tok@h:4222,nats://bob:pw@g:4222":         "nats://redacted@h:4222,nats://redacted@g:4222",
		"tls://u:p@nats.example:4443":                    "tls://redacted@nats.example:4443",
		"nats://a:%zz@h":                                 "<unparsable URL with credentials>",
		"nats://h1:4222, nats://user:pass@h2:4222/x?y=z": "nats://h1:4222,nats://redacted@h2:4222/x?y=z",
	} {
		if got := bus.RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func connectAndWait(t *testing.T, url string, creds bus.Credentials, log *slog.Logger) *bus.Conn {
	t.Helper()
	c, err := bus.Connect(url, bus.Options{Credentials: creds, RetryInterval: 50 * time.Millisecond}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(time.Second) })
	testkit.Eventually(t, 10*time.Second, "the authenticated connection", c.Connected)
	return c
}

func TestUserPasswordAuthAndCleanShutdownLogsNoWarning(t *testing.T) {
	ns := testkit.NATS(t, func(o *natsserver.Options) { o.Users = []*natsserver.User{{Username: "alice", Password: "s3cr3t"}} })
	url := strings.Replace(ns.ClientURL(), "nats://", "nats://alice:s3cr3t@", 1)

	var logs testkit.Logs
	c, err := bus.Connect(ns.ClientURL(), bus.Options{Credentials: bus.Credentials{User: "alice", Password: "s3cr3t"}}, logs.LoggerAt(slog.LevelDebug))
	if err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, "the connection", c.Connected)
	c.Close(2 * time.Second)
	out := logs.String()
	if strings.Contains(out, "level=WARN") {
		t.Fatalf("a clean shutdown logged a warning:\n%s", out)
	}
	if !strings.Contains(out, "nats disconnected") {
		t.Fatalf("the drain is not logged:\n%s", out)
	}
	if strings.Contains(out, "s3cr3t") {
		t.Fatalf("the password reached the log:\n%s", out)
	}

	// Credentials in the URL work too, and are never logged.
	logs.Reset()
	c2 := connectAndWait(t, url, bus.Credentials{}, logs.LoggerAt(slog.LevelDebug))
	c2.Close(time.Second)
	if strings.Contains(logs.String(), "s3cr3t") {
		t.Fatalf("the URL's password reached the log:\n%s", logs.String())
	}
}

func TestNKeySeedInlineAndFromFile(t *testing.T) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := kp.PublicKey()
	seed, _ := kp.Seed()
	ns := testkit.NATS(t, func(o *natsserver.Options) { o.Nkeys = []*natsserver.NkeyUser{{Nkey: pub}} })

	connectAndWait(t, ns.ClientURL(), bus.Credentials{NKeySeed: string(seed)}, testkit.Discard())
	file := filepath.Join(t.TempDir(), "user.nk")
	if err := os.WriteFile(file, append(seed, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	connectAndWait(t, ns.ClientURL(), bus.Credentials{NKeySeed: file}, testkit.Discard())

	// A bad seed or a missing file fails at once, without echoing the seed.
	for _, bad := range []string{"SUnotaseed", filepath.Join(t.TempDir(), "missing.nk")} {
		_, err := bus.Connect(ns.ClientURL(), bus.Options{Credentials: bus.Credentials{NKeySeed: bad}}, testkit.Discard())
		if err == nil {
			t.Fatalf("seed %q accepted", bad)
		}
		if strings.Contains(err.Error(), "SUnotaseed") {
			t.Fatalf("the error echoes the seed: %v", err)
		}
	}
}

func TestCredsFile(t *testing.T) {
	okp, _ := nkeys.CreateOperator()
	opub, _ := okp.PublicKey()
	oc := jwt.NewOperatorClaims(opub)
	ojwt, err := oc.Encode(okp)
	if err != nil {
		t.Fatal(err)
	}
	akp, _ := nkeys.CreateAccount()
	apub, _ := akp.PublicKey()
	ac := jwt.NewAccountClaims(apub)
	ajwt, err := ac.Encode(okp)
	if err != nil {
		t.Fatal(err)
	}
	ukp, _ := nkeys.CreateUser()
	upub, _ := ukp.PublicKey()
	useed, _ := ukp.Seed()
	uc := jwt.NewUserClaims(upub)
	uc.IssuerAccount = apub
	ujwt, err := uc.Encode(akp)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := jwt.FormatUserConfig(ujwt, useed)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "user.creds")
	if err := os.WriteFile(file, creds, 0o600); err != nil {
		t.Fatal(err)
	}
	opClaims, err := jwt.DecodeOperatorClaims(ojwt)
	if err != nil {
		t.Fatal(err)
	}
	resolver := &natsserver.MemAccResolver{}
	if err := resolver.Store(apub, ajwt); err != nil {
		t.Fatal(err)
	}
	ns := testkit.NATS(t, func(o *natsserver.Options) {
		o.TrustedOperators = []*jwt.OperatorClaims{opClaims}
		o.AccountResolver = resolver
	})
	connectAndWait(t, ns.ClientURL(), bus.Credentials{CredsFile: file}, testkit.Discard())

	if _, err := bus.Connect(ns.ClientURL(), bus.Options{Credentials: bus.Credentials{CredsFile: file + ".missing"}}, testkit.Discard()); err == nil {
		t.Fatal("a missing creds file was accepted")
	}
}

// pki is a throw-away CA with one server and one client certificate.
type pki struct {
	dir                   string
	ca                    *x509.Certificate
	caKey                 *ecdsa.PrivateKey
	caFile                string
	serverCert, serverKey string
	clientCert, clientKey string
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	p := &pki{dir: t.TempDir()}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	p.ca, _ = x509.ParseCertificate(der)
	p.caKey = key
	p.caFile = p.write(t, "ca.pem", "CERTIFICATE", der)
	p.serverCert, p.serverKey = p.leaf(t, "server", x509.ExtKeyUsageServerAuth)
	p.clientCert, p.clientKey = p.leaf(t, "client", x509.ExtKeyUsageClientAuth)
	return p
}

func (p *pki) write(t *testing.T, name, kind string, der []byte) string {
	t.Helper()
	f := filepath.Join(p.dir, name)
	if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func (p *pki) leaf(t *testing.T, name string, usage x509.ExtKeyUsage) (string, string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{usage}, KeyUsage: x509.KeyUsageDigitalSignature,
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	return p.write(t, name+".pem", "CERTIFICATE", der), p.write(t, name+"-key.pem", "EC PRIVATE KEY", kder)
}

func TestTLSWithClientCertificate(t *testing.T) {
	p := newPKI(t)
	tc, err := natsserver.GenTLSConfig(&natsserver.TLSConfigOpts{CertFile: p.serverCert, KeyFile: p.serverKey, CaFile: p.caFile, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	ns := testkit.NATS(t, func(o *natsserver.Options) { o.TLS = true; o.TLSVerify = true; o.TLSConfig = tc; o.TLSTimeout = 2 })
	url := strings.Replace(ns.ClientURL(), "nats://", "tls://", 1)
	connectAndWait(t, url, bus.Credentials{TLSCA: p.caFile, TLSCert: p.clientCert, TLSKey: p.clientKey}, testkit.Discard())

	if _, err := bus.Connect(url, bus.Options{Credentials: bus.Credentials{TLSCA: filepath.Join(p.dir, "nope.pem")}}, testkit.Discard()); err == nil {
		t.Fatal("a missing CA file was accepted")
	}
}

// Headers reach subscribers without touching the payload; a payload too
// close to max_payload for them goes out without them.
func TestPublishHeaders(t *testing.T) {
	ns := testkit.NATS(t, func(o *natsserver.Options) { o.MaxPayload = 1000 })
	c := connectAndWait(t, ns.ClientURL(), bus.Credentials{}, testkit.Discard())
	got := make(chan [2]string, 4)
	sub, err := c.SubscribeHeader("x", bus.GenerationHeader, func(data []byte, v string) { got <- [2]string{string(data), v} })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	fctx, fcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer fcancel()
	if err := c.Flush(fctx); err != nil {
		t.Fatal(err)
	}
	h := map[string]string{bus.GenerationHeader: "g1"}
	if err := c.PublishMsg("x", h, []byte("small")); err != nil {
		t.Fatal(err)
	}
	near := bytes.Repeat([]byte("n"), 990)
	if err := c.PublishMsg("x", h, near); err != nil {
		t.Fatal(err)
	}
	for _, want := range [][2]string{{"small", "g1"}, {string(near), ""}} {
		select {
		case m := <-got:
			if m != want {
				t.Fatalf("got %q/%q, want %q/%q", m[0][:min(10, len(m[0]))], m[1], want[0][:min(10, len(want[0]))], want[1])
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no message")
		}
	}
	if err := c.PublishMsg("x", nil, bytes.Repeat([]byte("n"), 2000)); !bus.Permanent(err) {
		t.Fatalf("an oversized payload: %v is not permanent", err)
	}
	if bus.Permanent(bus.ErrNotConnected) {
		t.Fatal("not connected is transient")
	}
}
